"""Scope enforcement in wellpath.access: which reads are refused, which practices are read,
and how query headers are parsed. Query files are written to a temporary queries folder so
each rule is tested on a query made to break it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from wellpath import access, db
from wellpath.scope import FULL_ACCESS, PUBLISHABLE, Filters, Scope

PERIOD = Filters(start_date=dt.date(2025, 4, 1), end_date=dt.date(2026, 3, 31))

PRACTICES = pd.DataFrame(
    {
        "practice_code": ["A86012", "A86017", "A86021", "A86026"],
        "pcn_code": ["U44695", "U44695", "U44695", "U87170"],
    }
)

QUERIES = {
    # Patient rows but no $practice_codes filter: must be refused for everybody.
    "unscoped_referrals": """-- Referrals per practice, forgetting the scope.
-- level: aggregate
with r as (select * from referrals)
select practice_code, count(*) as referral_count from r group by practice_code
""",
    # The parameter only in a comment does not count as filtering.
    "scope_in_comment_only": """-- Mentions $practice_codes in a comment only.
-- level: aggregate
with r as (select * from referrals) -- where practice_code in $practice_codes
select count(*) as referral_count from r
""",
    "service_level": """-- A service-level table with no patient rows.
-- scope: none
select 1 as one
""",
    "scoped_referrals": """-- Referrals per practice in the period.
-- level: aggregate
with r as (
    select * from scoped_referrals($practice_codes, $conditions, $worker_ids)
    where referral_date between $start_date and $end_date
)
select practice_code, count(*) as referral_count from r group by practice_code
order by practice_code
""",
    "people_list": """-- One row per pseudonymised person.
-- level: identifiable
select patient_id from scoped_referrals($practice_codes, null, null)
""",
    # Filters on $practice_codes by hand, without the macro or a scope declaration: refused.
    "hand_filtered_referrals": """-- Referrals filtered on the practice codes by hand.
-- level: aggregate
select count(*) as referral_count from referrals
where practice_code in (select unnest($practice_codes))
""",
    # A patients-only table, declared: allowed.
    "patients_only": """-- Comparison-cohort healthcare use.
-- scope: practice_codes
-- level: aggregate
select count(*) as patient_count from patients
where practice_code in (select unnest($practice_codes))
""",
    # Declares practice_codes but reads referrals: refused (use the macro).
    "declared_but_referrals": """-- Declares the scope to dodge the macro.
-- scope: practice_codes
-- level: aggregate
select count(*) as referral_count from referrals
where practice_code in (select unnest($practice_codes))
""",
    # Declares practice_codes and never filters on it: refused.
    "declared_not_filtered": """-- Declares the scope and forgets it.
-- scope: practice_codes
-- level: aggregate
select count(*) as patient_count from patients
""",
}


@pytest.fixture
def queries_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "queries"
    folder.mkdir()
    for name, sql in QUERIES.items():
        (folder / f"{name}.sql").write_text(sql, encoding="utf-8")
    monkeypatch.setattr(db, "QUERIES_DIR", folder)
    caches = (db.load_query, db.query_parameters, db.query_header, access.query_spec)
    for cached in caches:
        cached.cache_clear()
    yield folder
    for cached in caches:
        cached.cache_clear()


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    db.ensure_schema(con)
    # Two referrals in the period at A86012, one at A86017, one at A86026, and one at
    # A86012 before the period (31 Mar 2025), which no scoped read may count.
    con.execute(
        """
        insert into referrals (referral_id, patient_id, practice_code, referral_date) values
        ('R1', 'P1', 'A86012', '2025-04-01'),
        ('R2', 'P2', 'A86012', '2026-03-31'),
        ('R3', 'P3', 'A86017', '2025-06-10'),
        ('R4', 'P4', 'A86026', '2025-07-01'),
        ('R5', 'P5', 'A86012', '2025-03-31')
        """
    )
    # The viewer's referrals (the shipped macro reads referral_facts, built by the importer).
    con.execute(
        """
        create macro scoped_referrals(practice_codes, conditions, worker_ids) as table
        select * from referrals where practice_code in (select unnest(practice_codes))
        """
    )
    return con


def test_query_without_practice_codes_is_refused(queries_dir: Path) -> None:
    with pytest.raises(access.ScopeError, match=r"scoped_referrals\(\$practice_codes"):
        access.check_scope("unscoped_referrals", FULL_ACCESS)


def test_practice_codes_without_the_macro_or_a_declaration_is_refused(queries_dir) -> None:
    # Filtering on $practice_codes by hand is no longer enough: referral rows come through
    # scoped_referrals, so conditions and workers cannot be forgotten either.
    with pytest.raises(access.ScopeError, match="neither reads scoped_referrals"):
        access.check_scope("hand_filtered_referrals", FULL_ACCESS)


def test_declared_patients_only_query_must_filter_and_read_no_referrals(queries_dir) -> None:
    access.check_scope("patients_only", PUBLISHABLE)
    with pytest.raises(access.ScopeError, match="reads referral rows"):
        access.check_scope("declared_but_referrals", FULL_ACCESS)
    with pytest.raises(access.ScopeError, match="does not filter on it"):
        access.check_scope("declared_not_filtered", FULL_ACCESS)


def test_query_spec_is_parsed_once_per_file(queries_dir: Path) -> None:
    spec = access.query_spec("scoped_referrals")
    assert access.query_spec("scoped_referrals") is spec
    assert spec.uses_scoped_referrals and spec.scope == "" and spec.level == "aggregate"
    assert access.query_spec("people_list").level == "identifiable"


def test_practice_codes_in_a_comment_does_not_count(queries_dir: Path) -> None:
    assert "practice_codes" not in db.query_parameters("scope_in_comment_only")
    with pytest.raises(access.ScopeError):
        access.check_scope("scope_in_comment_only", FULL_ACCESS)


def test_service_level_query_needs_no_practice_filter(queries_dir: Path) -> None:
    access.check_scope("service_level", FULL_ACCESS)
    access.check_scope("service_level", PUBLISHABLE)


def test_identifiable_query_refused_for_rounded_scope_only(queries_dir: Path) -> None:
    access.check_scope("people_list", FULL_ACCESS)
    with pytest.raises(access.ScopeError, match="publishable"):
        access.check_scope("people_list", PUBLISHABLE)


def test_read_refuses_before_running(queries_dir: Path) -> None:
    # No referrals table exists on this connection: a refusal must come before any SQL runs.
    bare = duckdb.connect()
    with pytest.raises(access.ScopeError):
        access.read(bare, "unscoped_referrals", FULL_ACCESS, PERIOD, PRACTICES)
    with pytest.raises(access.ScopeError):
        access.read(bare, "people_list", PUBLISHABLE, PERIOD, PRACTICES)


def test_effective_practices_no_filters_full_scope() -> None:
    assert access.effective_practices(PRACTICES, FULL_ACCESS, PERIOD) == [
        "A86012",
        "A86017",
        "A86021",
        "A86026",
    ]


def test_effective_practices_is_scope_intersected_with_filters() -> None:
    scope = Scope(role="practice_manager", practice_codes=("A86012", "A86017"))
    asked = Filters(PERIOD.start_date, PERIOD.end_date, practice_codes=("A86017", "A86026"))
    # {A86012, A86017} & {A86017, A86026} = {A86017}
    assert access.effective_practices(PRACTICES, scope, asked) == ["A86017"]


def test_effective_practices_pcn_filter_and_scope() -> None:
    scope = Scope(role="practice_manager", practice_codes=("A86021", "A86026"))
    asked = Filters(PERIOD.start_date, PERIOD.end_date, pcn_codes=("U44695",))
    # PCN U44695 holds A86012, A86017, A86021; the scope allows A86021 and A86026 -> A86021.
    assert access.effective_practices(PRACTICES, scope, asked) == ["A86021"]


@pytest.mark.parametrize(
    "codes", [(), ("A86012",), ("A86017", "A86026"), ("A86012", "Z99999"), ("Z99999",)]
)
def test_effective_practices_keeps_exactly_what_the_scope_allows(codes) -> None:
    # the practices are kept for all rows at once: the same as Scope.allows row by row
    scope = Scope(role="practice_manager", practice_codes=codes) if codes else FULL_ACCESS
    expected = sorted(c for c in PRACTICES["practice_code"] if scope.allows(c))
    assert access.effective_practices(PRACTICES, scope, PERIOD) == expected


def test_effective_practices_empty_intersection_is_empty_not_everything() -> None:
    scope = Scope(role="practice_manager", practice_codes=("A86012",))
    asked = Filters(PERIOD.start_date, PERIOD.end_date, practice_codes=("A86026",))
    assert access.effective_practices(PRACTICES, scope, asked) == []


def test_standard_params_empty_lists_mean_no_restriction() -> None:
    params = access.standard_params(["A86012"], PERIOD)
    assert params["practice_codes"] == ["A86012"]
    assert params["conditions"] is None
    assert params["worker_ids"] is None
    assert params["report_date"] == dt.date(2026, 3, 31)
    narrowed = Filters(
        PERIOD.start_date, PERIOD.end_date, conditions=("ibs",), worker_ids=("W1", "W2")
    )
    params = access.standard_params([], narrowed)
    assert params["practice_codes"] == []
    assert params["conditions"] == ["ibs"]
    assert params["worker_ids"] == ["W1", "W2"]


def test_read_counts_only_the_viewers_practices(queries_dir: Path, con) -> None:
    # Full access, period 1 Apr 2025 - 31 Mar 2026: A86012 has R1, R2 (R5 is before the
    # period), A86017 has R3, A86026 has R4.
    out = access.read(con, "scoped_referrals", FULL_ACCESS, PERIOD, PRACTICES)
    assert dict(zip(out["practice_code"], out["referral_count"], strict=True)) == {
        "A86012": 2,
        "A86017": 1,
        "A86026": 1,
    }
    scope = Scope(role="practice_manager", practice_codes=("A86017", "A86026"))
    asked = Filters(PERIOD.start_date, PERIOD.end_date, practice_codes=("A86012", "A86017"))
    out = access.read(con, "scoped_referrals", scope, asked, PRACTICES)
    assert out["practice_code"].tolist() == ["A86017"]
    assert out["referral_count"].tolist() == [1]


def test_read_with_no_allowed_practice_returns_nothing(queries_dir: Path, con) -> None:
    scope = Scope(role="practice_manager", practice_codes=("A86021",))
    out = access.read(con, "scoped_referrals", scope, PERIOD, PRACTICES)
    assert out.empty


def test_bind_passes_only_used_parameters_and_requires_all(queries_dir: Path) -> None:
    params = {
        "practice_codes": ["A86012"],
        "start_date": dt.date(2025, 1, 1),
        "end_date": dt.date(2025, 12, 31),
        "conditions": None,
        "worker_ids": None,
        "report_date": dt.date(2025, 12, 31),
    }
    assert set(db.bind("scoped_referrals", params)) == {
        "practice_codes",
        "conditions",
        "worker_ids",
        "start_date",
        "end_date",
    }
    with pytest.raises(KeyError, match="end_date"):
        db.bind("scoped_referrals", {"practice_codes": [], "start_date": dt.date(2025, 1, 1)})


def test_query_names_cannot_escape_the_queries_folder() -> None:
    for bad in ("../schema", "Practice_list", "x.sql", "a/b"):
        with pytest.raises(ValueError):
            db.load_query(bad)


def test_parse_statistics() -> None:
    assert access.parse_statistics("mean_x, ci_low per n_pairs; median_y per n_people") == {
        "mean_x": "n_pairs",
        "ci_low": "n_pairs",
        "median_y": "n_people",
    }
    assert access.parse_statistics("") == {}
    assert access.parse_statistics("  mean_change_points per pair_count ;") == {
        "mean_change_points": "pair_count"
    }


def test_parse_percentages() -> None:
    assert access.parse_percentages(
        "accepted_pct = accepted_count / referral_count; seen_pct=seen_count/accepted_count"
    ) == {
        "accepted_pct": ("accepted_count", "referral_count"),
        "seen_pct": ("seen_count", "accepted_count"),
    }
    assert access.parse_percentages("") == {}


def test_real_query_headers_follow_the_rules() -> None:
    # Every query shipped in queries/ reads referral rows through scoped_referrals, or
    # declares a patients-only scope it filters on, or holds no patient rows; this is what
    # makes check_scope a guard rather than a suggestion.
    for path in sorted(db.QUERIES_DIR.glob("*.sql")):
        name = path.stem
        if name.startswith("derive_"):
            continue  # run by the importer to build tables, never by a page
        spec = access.query_spec(name)
        assert spec.scope_problem is None, f"queries/{name}.sql: {spec.scope_problem}"
        assert spec.level in {"aggregate", "person", "identifiable", "story", ""}, name


def _macro_definitions() -> dict[str, tuple[str, str]]:
    """Every `create or replace macro` in queries/derive_*.sql: name -> (parameters, body)."""
    found: dict[str, tuple[str, str]] = {}
    start = re.compile(r"create\s+or\s+replace\s+macro\s+(\w+)\s*\(([^)]*)\)", re.I)
    for path in sorted(db.QUERIES_DIR.glob("derive_*.sql")):
        text = "\n".join(line.split("--", 1)[0] for line in path.read_text().splitlines())
        heads = list(start.finditer(text))
        for head, after in zip(heads, [*heads[1:], None][: len(heads)], strict=True):
            body = text[head.end() : after.start() if after else len(text)]
            found[head.group(1)] = (head.group(2), body)
    return found


def test_scoped_macros_take_the_scope_and_narrow_to_it() -> None:
    # A query that reads one of access.SCOPED_MACROS counts as scoped (check_scope): each must
    # take the scope's three lists first and narrow with scoped_referrals' own filter, in its
    # body or by reading another scoped macro with the same three lists.
    definitions = _macro_definitions()
    calls_a_scoped_macro = re.compile(
        r"\b(?:" + "|".join(access.SCOPED_MACROS) + r")\s*\(\s*practice_codes\s*,\s*"
        r"conditions\s*,\s*worker_ids\s*[,)]"
    )
    base_filter = (
        "practice_code in (select unnest(practice_codes))",
        "list_contains(conditions, condition)",
        "list_contains(worker_ids, worker_id)",
    )
    for name in access.SCOPED_MACROS:
        assert name in definitions, f"{name} is not defined in queries/derive_*.sql"
        parameters, body = definitions[name]
        assert [p.strip() for p in parameters.split(",")][:3] == [
            "practice_codes",
            "conditions",
            "worker_ids",
        ], (name, parameters)
        flat = " ".join(body.split())
        assert calls_a_scoped_macro.search(body) or all(f in flat for f in base_filter), name


def test_a_query_is_scoped_by_a_scoped_macro_only_with_the_viewers_lists() -> None:
    spec_text = "select * from baseline_followup_pairs($practice_codes, $conditions, $worker_ids"
    assert access.SCOPED_REFERRALS.search(spec_text)
    assert not access.SCOPED_REFERRALS.search("select * from baseline_followup_pairs(['A'], null")
    assert not access.SCOPED_REFERRALS.search("select * from outcome_pair_candidates")


def test_queries_not_yet_on_the_macro_only_shrink() -> None:
    # The transitional list names only queries that still read referral rows by hand.
    for name in access.NOT_YET_ON_SCOPED_REFERRALS:
        spec = access.query_spec(name)
        assert spec.reads_referral_rows and not spec.uses_scoped_referrals, (
            f"{name} is on scoped_referrals now: take it off NOT_YET_ON_SCOPED_REFERRALS"
        )
