"""The dashboard's data access: one read-only DuckDB connection, cached query results.

Pages call `query(name, scope, filters, **extra)` and never import duckdb. The connection
is keyed on the file's identity, so when an import swaps in a new file every page reads the
new data on its next run, without a restart, and cached results of the old file are not used.
With a DuckLake configured (WELLPATH_CATALOG, see wellpath.lake) the identity is the lake's
newest snapshot, and the connection reads exactly that snapshot, so a cached result always
belongs to the identity it is cached under.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd
import streamlit as st

from wellpath import access, db
from wellpath.scope import Filters, Scope

T = TypeVar("T")

CACHE_TTL_SECONDS = 600
CACHE_MAX_ENTRIES = 512


def db_path() -> Path:
    return db.default_db_path()


def db_identity() -> tuple[int, int, int] | None:
    return db.identity(db_path())


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(path: str, identity: tuple[int, int, int]) -> duckdb.DuckDBPyConnection:
    target = db.target_for(Path(path))
    if isinstance(target, Path):
        return db.connect_read_only(target)
    return db.connect_read_only(target, snapshot=identity[1])


def connection() -> duckdb.DuckDBPyConnection:
    identity = db_identity()
    if identity is None:
        raise FileNotFoundError(f"No Wellpath database at {db_path()}")
    return _connection(str(db_path()), identity)


def _freeze(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def _cached_read(
    name: str,
    scope: Scope,
    filters: Filters,
    extra: tuple[tuple[str, Any], ...],
    identity: tuple[int, int, int],
) -> pd.DataFrame:
    con = connection()
    practices = db.run_query(con, "practice_list")
    return access.read(con, name, scope, filters, practices, dict(extra))


def query(name: str, scope: Scope, filters: Filters, **extra: Any) -> pd.DataFrame:
    """Rows of queries/<name>.sql for this viewer and these filters (a copy: safe to change)."""
    frozen = tuple(sorted((k, _freeze(v)) for k, v in extra.items()))
    identity = db_identity()
    if identity is None:
        raise FileNotFoundError(f"No Wellpath database at {db_path()}")
    return _cached_read(name, scope, filters, frozen, identity).copy()


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=4, show_spinner=False)
def _is_current(path: str, identity: tuple[int, int, int]) -> bool:
    return db.is_current(Path(path))


def database_is_current() -> bool:
    """Whether the file was built by this version of Wellpath (schema and derived tables)."""
    identity = db_identity()
    return identity is not None and _is_current(str(db_path()), identity)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=16, show_spinner=False)
def _service_read(name: str, identity: tuple[int, int, int]) -> pd.DataFrame:
    return db.run_query(connection(), name)


def service_query(name: str) -> pd.DataFrame:
    """A query with no patient rows and no parameters (header `-- scope: none`)."""
    if db.query_header(name).get("scope") != "none":
        raise access.ScopeError(f"query {name} holds patient data: use query() with a scope")
    identity = db_identity()
    if identity is None:
        raise FileNotFoundError(f"No Wellpath database at {db_path()}")
    return _service_read(name, identity).copy()


VIEW_CACHE_MAX_ENTRIES = 256


def cached_view(func: Callable[..., T]) -> Callable[..., T]:
    """Cache a view function by its inputs: (scope, filters, choices) and the file's identity.

    A view's result is display-ready and already protected for its scope, so one viewer's
    result is never served to another scope (the scope is part of the key). A new file
    (an import) has a new identity, so nothing cached from the old file is used.
    """

    @st.cache_data(
        ttl=CACHE_TTL_SECONDS,
        max_entries=VIEW_CACHE_MAX_ENTRIES,
        show_spinner=False,
        hash_funcs={Scope: repr, Filters: repr},
    )
    def _run(
        qualname: str,
        scope: Scope,
        filters: Filters,
        choices: tuple[tuple[str, Any], ...],
        identity: tuple[int, int, int] | None,
    ) -> T:
        return func(scope, filters, **dict(choices))

    qualname = f"{func.__module__}.{func.__qualname__}"

    @functools.wraps(func)
    def wrapper(scope: Scope, filters: Filters, **choices: Any) -> T:
        frozen = tuple(sorted((k, _freeze(v)) for k, v in choices.items()))
        return _run(qualname, scope, filters.for_scope(scope), frozen, db_identity())

    wrapper.uncached = func  # type: ignore[attr-defined]
    return wrapper


@st.cache_resource(show_spinner=False)
def _cleaned_at_start(path: str) -> tuple[str, ...]:
    return tuple(str(p) for p in db.clean_leftovers_now(Path(path)))


def clean_leftovers_at_start() -> None:
    """Once per server process: remove copies that killed imports left beside the file
    (unless an import is running now, when the next import removes them)."""
    _cleaned_at_start(str(db_path()))
