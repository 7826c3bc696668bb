"""The dashboard's data access: one read-only DuckDB connection, cached query results.

Pages call `query(name, scope, filters, **extra)` and never import duckdb. The connection
is keyed on the file's identity, so when an import swaps in a new file every page reads the
new data on its next run, without a restart, and cached results of the old file are not used.
With a DuckLake configured (WELLPATH_CATALOG, see wellpath.lake) the identity is the lake's
newest snapshot, and the connection reads exactly that snapshot, so a cached result always
belongs to the identity it is cached under.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import logging
import os
import pickle
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd
import streamlit as st

from wellpath import access, db
from wellpath.scope import Filters, Scope

T = TypeVar("T")
_log = logging.getLogger(__name__)

CACHE_TTL_SECONDS = 600
CACHE_MAX_ENTRIES = 512


def db_path() -> Path:
    return db.default_db_path()


def db_identity() -> tuple[int, int, int] | None:
    return db.identity(db_path())


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(path: str, identity: tuple[int, int, int]) -> duckdb.DuckDBPyConnection:
    target = db.target_for(Path(path))
    if not isinstance(target, Path):
        return db.connect_read_only(target, snapshot=identity[1])
    con = db.connect_read_only(target)
    # Imports swap files by renaming, and an identity never comes back: the same identity
    # after the attach as before means the attached file is the one named by `identity`.
    if db.identity(target) != identity:
        con.close()
        raise StaleIdentity(f"{path} changed while it was being opened")
    return con


def connection() -> duckdb.DuckDBPyConnection:
    """The read connection for the file a view is reading (pinned for a view's computation,
    so all its queries read one file), or else for the file there now."""
    identity = _current_identity()
    if identity is None:
        raise FileNotFoundError(f"No Wellpath database at {db_path()}")
    return _connection(str(db_path()), identity)


def _freeze(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def _read(
    name: str,
    scope: Scope,
    filters: Filters,
    extra: tuple[tuple[str, Any], ...],
    identity: tuple[int, int, int],
) -> pd.DataFrame:
    # The practice list is the same for every query of a file: read once (cached) per file.
    practices = _service_read("practice_list", identity)
    return access.read(connection(), name, scope, filters, practices, dict(extra))


def query(name: str, scope: Scope, filters: Filters, **extra: Any) -> pd.DataFrame:
    """Rows of queries/<name>.sql for this viewer and these filters (a copy: safe to change).

    Results are held in this process (READ_CACHE: keyed like a view, by the cache epoch,
    query, scope, filters, parameters and the file's identity; bounded by entries and TTL;
    reads of more than LARGE_READ_ROWS rows are not kept), not in st.cache_data, which
    pickled every result it stored and unpickled it on every hit: 2.1 s of the national
    Contract tracker's cold run went on pickling its 1.2M rows.
    """
    frozen = tuple(sorted((k, _freeze(v)) for k, v in extra.items()))
    identity = _current_identity()
    if identity is None:
        raise FileNotFoundError(f"No Wellpath database at {db_path()}")
    key = (_epoch(), name, scope, filters, frozen, identity)
    stored = READ_CACHE.get(key, lambda: _read(name, scope, filters, frozen, identity))
    return stored.copy()


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=4, show_spinner=False)
def _is_current(path: str, identity: tuple[int, int, int]) -> bool:
    return db.is_current(Path(path))


def database_is_current() -> bool:
    """Whether the file was built by this version of Wellpath (schema and derived tables)."""
    identity = db_identity()
    return identity is not None and _is_current(str(db_path()), identity)


def _service_read(name: str, identity: tuple[int, int, int]) -> pd.DataFrame:
    """A `-- scope: none` query's rows for this file, read once (SERVICE_CACHE). The very
    frame is returned: callers copy it (service_query) or only read it (_read)."""
    key = (_epoch(), name, identity)
    return SERVICE_CACHE.get(key, lambda: db.run_query(connection(), name))


def service_query(name: str) -> pd.DataFrame:
    """A query with no patient rows and no parameters (header `-- scope: none`)."""
    if db.query_header(name).get("scope") != "none":
        raise access.ScopeError(f"query {name} holds patient data: use query() with a scope")
    identity = _current_identity()
    if identity is None:
        raise FileNotFoundError(f"No Wellpath database at {db_path()}")
    return _service_read(name, identity).copy()


VIEW_CACHE_MAX_ENTRIES = 256
# After an import swaps in a new file, the views read in the last TTL under the old file are
# computed again for the new one in the background, most recent first, at most this many.
PREWARM_MAX_KEYS = 64
PREWARM_POLL_SECONDS = 1.0


class StaleIdentity(RuntimeError):
    """The file changed while a connection to it was being opened: ask again."""


class _Flight:
    __slots__ = ("done", "ok", "thread", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.ok = False
        self.value: Any = None
        self.thread = threading.get_ident()


class ViewCache:
    """Bounded (entries, TTL), thread-safe, in-process cache of view results, with one
    computation per key however many sessions ask at once (single flight).

    A hit returns the very object the view returned: no pickling and no copy (st.cache_data
    unpickled the whole result on every hit: 0.15-1.0 s of a warm Caseload, Referrals or
    Outcomes run at ICB scale). View results are frozen dataclasses, and no page changes a
    frame or figure it is given (tests/app/test_view_cache.py checks every page with
    `audit`: each stored result is fingerprinted and compared after the pages ran).
    """

    def __init__(
        self,
        max_entries: int = VIEW_CACHE_MAX_ENTRIES,
        ttl_seconds: float = CACHE_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        keep: Callable[[Any], bool] | None = None,
    ) -> None:
        self.max_entries, self.ttl, self._clock = max_entries, ttl_seconds, clock
        # which computed values are stored (None: all); the others go to the sessions that
        # asked at the time and are computed again when asked for later
        self.keep = keep
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._flights: dict[Hashable, _Flight] = {}
        self._fingerprints: dict[Hashable, bytes] = {}
        self._hits: dict[Hashable, int] = {}  # hits of each stored key (what prewarm keeps)
        self.audit = False
        self.stats = {"hits": 0, "computed": 0, "waited": 0, "failed": 0}

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        while True:
            with self._lock:
                found = self._entries.get(key)
                if found is not None and found[0] > self._clock():
                    self._entries.move_to_end(key)
                    self.stats["hits"] += 1
                    self._hits[key] = self._hits.get(key, 0) + 1
                    return found[1]
                if found is not None:
                    del self._entries[key]
                    self._hits.pop(key, None)
                flight = self._flights.get(key)
                if flight is None:
                    flight = self._flights[key] = _Flight()
                    owner = True
                elif flight.thread == threading.get_ident():
                    owner = None  # the same key asked again from inside its own computation
                else:
                    owner = False
            if owner is None:
                return compute()
            if owner:
                return self._compute(key, flight, compute)
            flight.done.wait()
            with self._lock:
                self.stats["waited"] += 1
            if flight.ok:
                return flight.value
            # The session computing it failed or was stopped: compute it here instead (and
            # raise this session's own error, if it fails again).

    def _compute(self, key: Hashable, flight: _Flight, compute: Callable[[], Any]) -> Any:
        try:
            value = compute()
        except BaseException:
            with self._lock:
                self._flights.pop(key, None)
                self.stats["failed"] += 1
            flight.done.set()
            raise
        if self.keep is not None and not self.keep(value):
            with self._lock:
                self._flights.pop(key, None)
                self.stats["computed"] += 1
            flight.value, flight.ok = value, True
            flight.done.set()
            return value
        fingerprint = _fingerprint(value) if self.audit else None
        with self._lock:
            self._entries[key] = (self._clock() + self.ttl, value)
            self._entries.move_to_end(key)
            if fingerprint is not None:
                self._fingerprints[key] = fingerprint
            while len(self._entries) > self.max_entries:
                old, _ = self._entries.popitem(last=False)
                self._fingerprints.pop(old, None)
                self._hits.pop(old, None)
            self._flights.pop(key, None)
            self.stats["computed"] += 1
        flight.value, flight.ok = value, True
        flight.done.set()
        return value

    def live_keys(self, min_hits: int = 0) -> list[Hashable]:
        """Live keys, most recently used first; with `min_hits`, only those asked for again
        (hits after the computation) at least that many times."""
        now = self._clock()
        with self._lock:
            return [
                k
                for k, (expires, _) in reversed(self._entries.items())
                if expires > now and self._hits.get(k, 0) >= min_hits
            ]

    def peek(self, key: Hashable) -> Any:
        with self._lock:
            found = self._entries.get(key)
        return None if found is None else found[1]

    def discard_where(self, stale: Callable[[Hashable], bool]) -> None:
        with self._lock:
            for key in [k for k in self._entries if stale(k)]:
                del self._entries[key]
                self._fingerprints.pop(key, None)
                self._hits.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._fingerprints.clear()
            self._hits.clear()

    def changed(self) -> list[Hashable]:
        """Audit mode: the keys whose stored result is no longer what the view returned."""
        with self._lock:
            items = [(k, self._entries[k][1], f) for k, f in self._fingerprints.items()]
        return [k for k, value, f in items if _fingerprint(value) != f]


def _fingerprint(value: Any) -> bytes:
    return hashlib.sha256(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)).digest()


VIEW_CACHE = ViewCache()
# A read of more rows than this is not kept: it feeds one view, whose result is cached, and
# keeping it would hold the person-level rows of a national service in the server's memory
# (1.2M rows of healthcare use, 1.6M counted caseload durations) for the cache's lifetime.
LARGE_READ_ROWS = 200_000
READ_CACHE = ViewCache(
    max_entries=CACHE_MAX_ENTRIES, keep=lambda frame: len(frame) <= LARGE_READ_ROWS
)
# The practice and worker lists (`_service_read`): every query reads the practice list to
# bound its practices to the viewer's, and st.cache_data unpickled its 6,300 national rows
# for each one (1 ms a query, 35-70 queries a session's pages).
SERVICE_CACHE = ViewCache(max_entries=16)
_VIEWS: dict[str, Callable[..., Any]] = {}
# The identity a view's computation reads, so that every query of one view result comes from
# one file even when an import swaps in another half-way through.
_PINNED: contextvars.ContextVar[tuple[int, int, int] | None] = contextvars.ContextVar(
    "wellpath_pinned_identity", default=None
)


@st.cache_data(show_spinner=False)
def _cache_epoch() -> str:
    """A token that changes when Streamlit's data caches are cleared (st.cache_data.clear(),
    the app menu's "Clear caches", the tests between databases): part of every view key."""
    return uuid.uuid4().hex


_epoch_seen: list[str] = []


def _epoch() -> str:
    epoch = _cache_epoch()
    if not _epoch_seen or _epoch_seen[0] != epoch:
        VIEW_CACHE.discard_where(lambda key: key[0] != epoch)
        READ_CACHE.discard_where(lambda key: key[0] != epoch)
        SERVICE_CACHE.discard_where(lambda key: key[0] != epoch)
        _epoch_seen[:] = [epoch]
    return epoch


def _current_identity() -> tuple[int, int, int] | None:
    pinned = _PINNED.get()
    return pinned if pinned is not None else db_identity()


def _view_value(key: tuple) -> Any:
    """Compute the view a key names (key: epoch, qualname, scope, filters, choices, identity)."""
    _, qualname, scope, filters, choices, identity = key
    token = _PINNED.set(identity)
    try:
        return _VIEWS[qualname](scope, filters, **dict(choices))
    finally:
        _PINNED.reset(token)


def view_result(qualname: str, scope: Scope, filters: Filters, choices: dict[str, Any]) -> Any:
    """A registered view's result for these inputs, from the cache or computed once."""
    frozen = tuple(sorted((k, _freeze(v)) for k, v in choices.items()))
    for _attempt in range(3):
        identity = db_identity()
        key = (_epoch(), qualname, scope, filters.for_scope(scope), frozen, identity)
        _watch_for_new_files()
        try:
            return VIEW_CACHE.get(key, lambda key=key: _view_value(key))
        except StaleIdentity:
            continue  # an import swapped the file while this view read it: read the new one
    raise StaleIdentity("the database changed three times while this page was read")


def cached_view(func: Callable[..., T]) -> Callable[..., T]:
    """Cache a view function by its inputs: (scope, filters, choices) and the file's identity.

    A view's result is display-ready and already protected for its scope, so one viewer's
    result is never served to another scope (the scope is part of the key). A new file
    (an import) has a new identity, so nothing cached from the old file is used. Results are
    held in this process (ViewCache: no copy on a hit, so pages must not change them), each
    computed once however many sessions ask at the same moment.
    """
    qualname = f"{func.__module__}.{func.__qualname__}"
    _VIEWS[qualname] = func

    @functools.wraps(func)
    def wrapper(scope: Scope, filters: Filters, **choices: Any) -> T:
        return view_result(qualname, scope, filters, choices)

    wrapper.uncached = func  # type: ignore[attr-defined]
    return wrapper


class _PageRuns:
    """How many page runs this process has in flight, and when the last one ended: the
    prewarm spends only the time when no page is being drawn. On a busy server it would
    otherwise compute views nobody is waiting for, on the one core a Python process draws
    pages with, while the people who are waiting get their own computed behind it."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self.in_flight = 0
        self.last_end = 0.0
        self._clock = clock

    @contextlib.contextmanager
    def running(self):
        with self._lock:
            self.in_flight += 1
        try:
            yield
        finally:
            with self._lock:
                self.in_flight -= 1
                self.last_end = self._clock()

    def idle(self) -> bool:
        with self._lock:
            return self.in_flight == 0 and self._clock() - self.last_end >= PREWARM_IDLE_SECONDS


PAGE_RUNS = _PageRuns()
# The prewarm computes the next view once no page has been drawn for this long.
PREWARM_IDLE_SECONDS = 0.25


def page_run():
    """Wraps one run of the dashboard script (the shell's): see _PageRuns."""
    return PAGE_RUNS.running()


def _wait_until_idle(new: tuple[int, int, int]) -> bool:
    """True once no page run is in flight; False if the file changed again meanwhile."""
    while not PAGE_RUNS.idle():
        time.sleep(0.05)
        if db_identity() != new:
            return False
    return db_identity() == new


def prewarm(old: tuple[int, int, int], new: tuple[int, int, int]) -> int:
    """Compute again, for the file `new`, the views read lately and more than once under the
    file `old` (asked for again after they were computed: the ones people come back to), most
    recent first (at most PREWARM_MAX_KEYS), each when no page run is in flight; a session
    asking for one meanwhile waits for that computation instead of starting its own. Returns
    how many were computed here. A view read once is computed again only if it is asked for:
    warming every view ever read after every import spent the cores on results nobody came
    back for (the load test's twenty sessions, each reading a page once)."""
    done = 0
    wanted = [k for k in VIEW_CACHE.live_keys(min_hits=1) if k[5] == old][:PREWARM_MAX_KEYS]
    for key in wanted:
        if not _wait_until_idle(new):
            break  # newer still: the next round warms that one
        fresh = (*key[:5], new)
        before = VIEW_CACHE.stats["computed"]
        try:
            VIEW_CACHE.get(fresh, lambda fresh=fresh: _view_value(fresh))
        except Exception:  # noqa: BLE001 (a session asking for it will see the error itself)
            _log.warning("prewarm of %s failed", key[1], exc_info=True)
            continue
        done += VIEW_CACHE.stats["computed"] - before
    return done


_watcher_lock = threading.Lock()
_watcher: list[threading.Thread] = []


def _prewarm_wanted() -> bool:
    from streamlit import runtime

    return runtime.exists() and os.environ.get("WELLPATH_PREWARM", "1") != "0"


def _watch_for_new_files() -> None:
    """In a served dashboard (not tests or scripts), once per process: a thread that notices
    a new file at the same path (an import) within a second and prewarms its views."""
    if _watcher or not _prewarm_wanted():
        return
    with _watcher_lock:
        if _watcher:
            return
        thread = threading.Thread(target=_watch, name="wellpath-prewarm", daemon=True)
        _watcher.append(thread)
        thread.start()


def _watch() -> None:
    path, last = db_path(), db_identity()
    while True:
        time.sleep(PREWARM_POLL_SECONDS)
        try:
            now_path, now = db_path(), db_identity()
            if now_path == path and last is not None and now is not None and now != last:
                t0 = time.perf_counter()
                n = prewarm(last, now)
                _log.info("prewarmed %d views in %.1f s", n, time.perf_counter() - t0)
                # Results of files older than the one before are never asked for again.
                VIEW_CACHE.discard_where(lambda key, keep=(last, now): key[5] not in keep)
            path, last = now_path, now
        except Exception:  # noqa: BLE001 (never let the watcher die)
            _log.warning("prewarm watcher", exc_info=True)


@st.cache_resource(show_spinner=False)
def _cleaned_at_start(path: str) -> tuple[str, ...]:
    removed = [*db.clean_leftovers_now(Path(path)), *db.clean_reader_spills()]
    return tuple(str(p) for p in removed)


def clean_leftovers_at_start() -> None:
    """Once per server process: remove copies that killed imports left beside the file
    (unless an import is running now, when the next import removes them), and the spill
    folders of dashboard processes that have ended."""
    _cleaned_at_start(str(db_path()))
