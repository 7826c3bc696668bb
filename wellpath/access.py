"""Scope enforcement and parameter binding for named queries, independent of Streamlit.

`wellpath.data` (the dashboard's cached data access) and the tests both go through
`read(con, name, scope, filters, **extra)`, so the rules hold wherever data is read:

- every query that reads referral-based rows (referrals and what hangs off them: contacts,
  goals, questionnaires, stories) reads them through the table macro
  `scoped_referrals($practice_codes, $conditions, $worker_ids)` (queries/derive_table_macros.sql),
  where $practice_codes is the viewer's practices intersected with the sidebar's practice
  and PCN filters; a query over patients-only tables (healthcare use of a comparison
  cohort, practice engagement) may instead say `-- scope: practice_codes` in its header and
  must then filter on $practice_codes; `-- scope: none` marks service-level data with no
  patient rows (e.g. the import log). Anything else is refused (ScopeError);
- a query whose header says `-- level: identifiable` (one row per pseudonymised person) is
  refused for a rounded scope;
- for a rounded scope, the result passes through `wellpath.disclosure.protect_frame`:
  columns ending in `_count` are counts; `-- statistics: col_a, col_b per n_col` lists
  statistics suppressed when they describe 7 or fewer people; `-- percentages: pct = num /
  den` lists percentages recomputed from the rounded parts;
- a rounded scope is served whole months only (Filters.for_scope): a day range would let
  periods a day apart be differenced (issue 14, time slicing).

A query's header is parsed once into a `QuerySpec` (cached by file name).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import duckdb
import pandas as pd

from wellpath import db
from wellpath.scope import Filters, Scope


class ScopeError(PermissionError):
    """The viewer's scope does not allow this read."""


def effective_practices(practices: pd.DataFrame, scope: Scope, filters: Filters) -> list[str]:
    """Practice codes the viewer may see and asked to see (practices: code and pcn_code)."""
    rows = practices
    codes = rows["practice_code"].astype(str)
    # scope.allows, for every row at once (a call per row was 2 ms a query nationally)
    if scope.practice_codes is None:
        keep = pd.Series(True, index=codes.index)
    else:
        keep = codes.isin(scope.practice_codes)
    if filters.practice_codes:
        keep &= codes.isin(filters.practice_codes)
    if filters.pcn_codes:
        keep &= rows["pcn_code"].isin(filters.pcn_codes)
    return sorted(codes[keep].tolist())


def standard_params(practice_codes: list[str], filters: Filters) -> dict[str, Any]:
    """The parameters every query may use. Lists that are None mean "no restriction"."""
    return {
        "start_date": filters.start_date,
        "end_date": filters.end_date,
        "report_date": filters.report_date,
        "practice_codes": list(practice_codes),
        "conditions": list(filters.conditions) or None,
        "worker_ids": list(filters.worker_ids) or None,
    }


def parse_statistics(spec: str) -> dict[str, str]:
    """'mean_x, ci_low per n_pairs; median_y per n_people' -> {col: n_col}."""
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        cols, _, n_col = part.partition(" per ")
        for col in cols.split(","):
            if col.strip():
                out[col.strip()] = n_col.strip()
    return out


def parse_percentages(spec: str) -> dict[str, tuple[str, str]]:
    """'pct_a = num_a / den_a; pct_b = num_b / den_b' -> {pct: (num, den)}."""
    out: dict[str, tuple[str, str]] = {}
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        pct, _, ratio = part.partition("=")
        num, _, den = ratio.partition("/")
        out[pct.strip()] = (num.strip(), den.strip())
    return out


# Table macros that read the viewer's scope only: each takes (practice_codes, conditions,
# worker_ids) first and reads its rows through scoped_referrals' filter, itself or through
# another of them (tests/unit/test_access.py holds each definition in queries/ to that). A
# query that reads one of them is scoped by it: joining its rows to scoped_referrals again
# only to show the scope cost 0.3-0.5 s a query at national scale.
SCOPED_MACROS = (
    "scoped_referrals",
    "scoped_pair_candidates",
    "scoped_time_point_candidates",
    "scoped_outcome_baselines",
    "scoped_goals",
    "latest_follow_ups",
    "baseline_followup_pairs",
    "trajectory_points",
    "referral_check_flags",
    "scoped_referral_forms",
)
SCOPED_REFERRALS = re.compile(r"\b(?:" + "|".join(SCOPED_MACROS) + r")\s*\(\s*\$practice_codes\b")
# Tables whose rows belong to a referral: read only through scoped_referrals.
REFERRAL_TABLES = re.compile(
    r"\b(?:from|join)\s+(?:referrals|referral_facts|contacts|goals|assessments|"
    r"assessment_scores|measure_scores|stories)\b"
)
SCOPE_KINDS = ("practice_codes", "none")
# Queries that still read referral rows filtered on $practice_codes by hand, in files owned
# by other page groups: each declares `-- scope: practice_codes` until it moves onto
# scoped_referrals (tests/unit/test_access.py holds this list to the files that need it,
# so it can only shrink).
NOT_YET_ON_SCOPED_REFERRALS = frozenset(
    {
        "import_rejected_rows",  # Import: rejected rows mapped to practices
        "mdt_people",  # MDT
        "mdt_scores",  # MDT
    }
)


@dataclass(frozen=True)
class QuerySpec:
    """What a query's header declares, parsed once: its level, the statistics and
    percentages disclosure control recomputes, and how it is scoped to the viewer."""

    name: str
    level: str
    statistics: tuple[tuple[str, str], ...]
    percentages: tuple[tuple[str, tuple[str, str]], ...]
    scope: str  # the `-- scope:` header: "practice_codes", "none", or "" (not declared)
    uses_scoped_referrals: bool
    filters_practice_codes: bool
    reads_referral_rows: bool

    @property
    def scope_problem(self) -> str | None:
        """Why this query may not be run for a viewer, or None."""
        if self.scope == "none":
            return None
        if self.scope and self.scope not in SCOPE_KINDS:
            return f"query {self.name} declares an unknown scope {self.scope!r}"
        if self.scope == "practice_codes":
            if not self.filters_practice_codes:
                return f"query {self.name} declares scope practice_codes but does not filter on it"
            if self.reads_referral_rows and self.name not in NOT_YET_ON_SCOPED_REFERRALS:
                return (
                    f"query {self.name} reads referral rows: read them through "
                    "scoped_referrals($practice_codes, ...), not `-- scope: practice_codes`"
                )
            return None
        if not self.uses_scoped_referrals:
            return (
                f"query {self.name} neither reads scoped_referrals($practice_codes, ...) nor "
                "declares `-- scope: practice_codes` (patients-only tables) or `-- scope: none`"
            )
        return None


@lru_cache(maxsize=512)
def query_spec(name: str) -> QuerySpec:
    """The header of queries/<name>.sql as a QuerySpec (parsed once per file)."""
    header = db.query_header(name)
    sql = "\n".join(line.split("--", 1)[0] for line in db.load_query(name).splitlines())
    return QuerySpec(
        name=name,
        level=header.get("level", ""),
        statistics=tuple(parse_statistics(header.get("statistics", "")).items()),
        percentages=tuple(parse_percentages(header.get("percentages", "")).items()),
        scope=header.get("scope", "").split(" ", 1)[0],
        uses_scoped_referrals=bool(SCOPED_REFERRALS.search(sql)),
        filters_practice_codes="practice_codes" in db.query_parameters(name),
        reads_referral_rows=bool(REFERRAL_TABLES.search(sql)),
    )


def check_scope(name: str, scope: Scope) -> None:
    spec = query_spec(name)
    problem = spec.scope_problem
    if problem:
        raise ScopeError(problem)
    if scope.rounded and spec.level == "identifiable":
        raise ScopeError(
            f"query {name} returns one row per person; this view shows publishable figures only"
        )


def protect(name: str, frame: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """Disclosure control for a rounded scope, as the query's header declares."""
    if not scope.rounded:
        return frame
    from wellpath.disclosure import protect_frame

    spec = query_spec(name)
    return protect_frame(
        frame,
        count_columns=[c for c in frame.columns if c.endswith("_count")],
        statistic_columns=dict(spec.statistics),
        percentage_columns=dict(spec.percentages),
    )


def read(
    con: duckdb.DuckDBPyConnection,
    name: str,
    scope: Scope,
    filters: Filters,
    practices: pd.DataFrame,
    extra: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Run a named query for this viewer: scope checked, parameters bound, output protected."""
    check_scope(name, scope)
    filters = filters.for_scope(scope)
    params = standard_params(effective_practices(practices, scope, filters), filters)
    params.update(extra or {})
    return protect(name, db.run_query(con, name, params), scope)


# Who may open which page, by page file (pages/<stem>.py). The router lists only these, and
# ui.page_header refuses to draw a page for any other role, so a URL, or a page missing from
# st.navigation, cannot be used to open it. A page not listed here opens for nobody but the
# programme lead (fails closed).
EVERY_ROLE = frozenset({"programme_lead", "practice", "commissioner"})
PAGE_ROLES: dict[str, frozenset[str]] = {
    "overview": EVERY_ROLE,
    "referrals": EVERY_ROLE,
    "caseload": EVERY_ROLE,
    "activity": EVERY_ROLE,
    "outcomes": EVERY_ROLE,
    "healthcare_use": EVERY_ROLE,
    # Lists people by pseudonym: never for a commissioner.
    "mdt_meeting": frozenset({"programme_lead", "practice"}),
    "message_back": frozenset({"programme_lead", "practice"}),
    "star_domains": EVERY_ROLE,
    # Payments are the commissioner's and the programme lead's business.
    "contract_tracker": frozenset({"programme_lead", "commissioner"}),
    "safe_caseloads": frozenset({"programme_lead"}),
    "integration": frozenset({"programme_lead", "practice"}),
    "unmet_needs": EVERY_ROLE,
    "report": frozenset({"programme_lead", "commissioner"}),
    "data_quality": EVERY_ROLE,
    "import_data": frozenset({"programme_lead"}),
    "audit_trail": frozenset({"programme_lead"}),
    "methods": EVERY_ROLE,
}
# Pages that show people by pseudonym in an unrounded scope: each view is in the audit trail.
PATIENT_LEVEL_PAGES = frozenset({"mdt_meeting", "message_back", "caseload", "data_quality"})


def may_open(page: str, scope: Scope) -> bool:
    """Whether this viewer may open pages/<page>.py."""
    roles = PAGE_ROLES.get(page, frozenset({"programme_lead"}))
    if scope.role not in roles:
        return False
    return not (page in ("import_data", "audit_trail") and scope.practice_codes is not None)
