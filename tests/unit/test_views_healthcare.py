"""The Healthcare use and cost views, without a database: the data layer is replaced by
hand-made person rows (summed by the page's own queries run over them), so each expected value is worked out below (full access), and the
publishable scope is checked for what it must never let out (issues 9 and 10)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import duckdb
import pandas as pd
import pytest

from wellpath import costs, data, db, formats
from wellpath.scope import FULL_ACCESS, PUBLISHABLE, Filters
from wellpath.views import healthcare as views

FILTERS = Filters(start_date=dt.date(2025, 4, 1), end_date=dt.date(2026, 3, 31))
MEASURES = [key for key, _, _ in costs.USE_MEASURES]


def person_rows(gp: list[tuple[int, int]], cohort: str) -> pd.DataFrame:
    """One row per person: GP appointments (before, after) as given, everything else 0."""
    rows = []
    for before, after in gp:
        row = {"cohort": cohort, "after_window": 1, "index_month": dt.date(2024, 4, 1)}
        for key in MEASURES:
            row[f"{key}_before"], row[f"{key}_after"] = (
                (before, after) if key == ("gp_appointments") else (0, 0)
            )
        rows.append(row)
    return pd.DataFrame(rows)


def summed(name: str, rows: pd.DataFrame, extra: dict) -> pd.DataFrame:
    """queries/<name>.sql itself run over these person rows (as healthcare_use_people)."""
    con = duckdb.connect()
    for key in MEASURES:  # bigint, as healthcare_use_windows holds them
        rows[f"{key}_before"] = rows[f"{key}_before"].astype("Int64")
        rows[f"{key}_after"] = rows[f"{key}_after"].astype("Int64")
    con.register("person_rows", rows)
    con.execute(
        "create macro healthcare_use_people(a, b, c, d, e) as table select * from person_rows"
    )
    params = {"practice_codes": [], "conditions": None, "worker_ids": None,
              "start_date": FILTERS.start_date, "end_date": FILTERS.end_date, **extra}  # fmt: skip
    return con.execute(db.load_query(name), db.bind(name, params)).df()


def install(monkeypatch, referred, comparison, accepted=40, parent_extra=()) -> None:
    """data.query answers with these rows; a practice-filtered selection's parent (all
    practices) has `parent_extra` more referred people."""

    def query(name, scope, filters, **extra):
        if name == "accepted_referrals_last_year":
            return pd.DataFrame({"accepted_referral_count": [accepted]})
        assert name == "healthcare_use_summary"
        people = list(referred) + ([] if filters.practice_codes else list(parent_extra))
        rows = pd.concat(
            [person_rows(people, "referred"), person_rows(comparison, "comparison")],
            ignore_index=True,
        )
        return summed(name, rows, extra)

    monkeypatch.setattr(data, "query", query)


# The fixture of tests/sql/test_outcome_queries.py: referred GP (before, after) 6->3, 10->4,
# 2->0, 8->5 (changes -3, -6, -2, -3: mean -3.5, SD sqrt(3)); comparison 4->5, 3->5 (+1, +2).
REFERRED = [(6, 3), (10, 4), (2, 0), (8, 5)]
COMPARISON = [(4, 5), (3, 5)]


@pytest.fixture
def small(monkeypatch) -> None:
    install(monkeypatch, REFERRED, COMPARISON)


def test_full_access_use_table_is_worked_by_hand(small) -> None:
    use = views.use_before_after.uncached(FULL_ACCESS, FILTERS, window=1)
    gp = use.table.set_index("Measure").loc["GP appointments"]
    # before 26 / 4 = 6.5, after 12 / 4 = 3.0; change -3.5 +/- t(0.975, 3) 3.182446 x
    # sqrt(3) / 2 = 2.756: -6.26 to -0.74.
    assert gp["People"] == "4"
    assert (gp["Before (mean per person)"], gp["After (mean per person)"]) == ("6.50", "3.00")
    assert gp["Change per person"] == "\u22123.50"
    assert gp["95% CI of change"] == "\u22126.26 to \u22120.74"


def test_full_access_difference_in_differences_is_worked_by_hand(small) -> None:
    # -3.5 - 1.5 = -5; SE sqrt(3/4 + 0.5/2) = 1, Welch df 4, t 2.776445: -7.78 to -2.22.
    versus = views.comparison.uncached(FULL_ACCESS, FILTERS, window=1, measure="gp_appointments")
    assert versus.present
    assert "Difference in differences: \u22125.00 appointments per person" in versus.sentence
    assert "95% CI \u22127.78 to \u22122.22" in versus.sentence
    assert "Referred people changed by \u22123.50 and the comparison group by +1.50" in (
        versus.sentence
    )


def test_full_access_cost_is_worked_by_hand(small) -> None:
    # GP GBP 42 a time: -126, -252, -84, -126; mean -147, total -588 for 4 people. Service
    # cost GBP 4,000 over 40 people taken on: GBP 100 a person; net 100 - 147 = -47.
    money = views.cost.uncached(FULL_ACCESS, FILTERS, window=1, service_cost=4000.0)
    text = "\n".join(money.lines)
    assert "**\u2212£147** a year" in text
    assert "In total for the 4 people in this period: **\u2212£588**" in text
    assert "Service cost per person: **£100**" in text and "**\u2212£47**" in text
    # Against the comparison group: GP +42 and +84 (mean +63); -147 - 63 = -210.
    lead = money.against_comparison
    assert "changed by \u2212£147 a year for referred people and by +£63 for" in lead
    assert "a difference of **\u2212£210** a person a year" in lead


def test_publishable_small_groups_show_nothing(small) -> None:
    use = views.use_before_after.uncached(PUBLISHABLE, FILTERS, window=1)
    assert set(use.table["People"]) == {formats.SUPPRESSED}
    numbers = use.table.drop(columns=["Measure", "People"]).to_numpy().ravel()
    assert set(numbers) == {formats.SUPPRESSED}
    versus = views.comparison.uncached(PUBLISHABLE, FILTERS, window=1, measure="gp_appointments")
    assert versus.sentence.startswith(f"Difference in differences: {formats.SUPPRESSED}")
    assert "\u22125" not in versus.sentence and "5.0" not in versus.download.to_string()
    money = views.cost.uncached(PUBLISHABLE, FILTERS, window=1, service_cost=4000.0)
    assert money.figure is None and money.download.empty
    assert "147" not in " ".join(money.lines) and "210" not in money.against_comparison
    spread = views.change_distribution.uncached(PUBLISHABLE, FILTERS, window=1)
    assert set(spread.download["People"]) <= {formats.SUPPRESSED, "0"}


# 23 referred (changes: 13 of -2, 10 of +1) and 12 comparison (all 0 change).
MANY = [(5, 3)] * 13 + [(4, 5)] * 10
FLAT = [(4, 4)] * 12


def _strings(result) -> list[str]:
    out = []
    for field in dataclasses.fields(result):
        value = getattr(result, field.name)
        if isinstance(value, pd.DataFrame):
            out += [str(v) for v in value.to_numpy().ravel()] + list(map(str, value.columns))
        elif isinstance(value, tuple):
            out += [str(v) for v in value]
        elif isinstance(value, str):
            out.append(value)
    return out


def test_publishable_figures_come_from_rounded_parts(monkeypatch) -> None:
    install(monkeypatch, MANY, FLAT)
    use = views.use_before_after.uncached(PUBLISHABLE, FILTERS, window=1)
    gp = use.table.set_index("Measure").loc["GP appointments"]
    # 23 people -> 25; mean change (13 x -2 + 10) / 23 = -0.696 -> -0.7 (1 dp, not -0.70).
    assert gp["People"] == "25"
    assert gp["Change per person"] == "\u22120.7"
    for text in _strings(use) + _strings(
        views.frequent_attenders.uncached(PUBLISHABLE, FILTERS, window=1)
    ):
        assert not re.search(r"\d\.\d\d", text), text  # no 2-dp statistic
        assert not re.search(r"\b23\b", text), text  # the true n
    versus = views.comparison.uncached(PUBLISHABLE, FILTERS, window=1, measure="gp_appointments")
    # 12 comparison people -> 10; DiD -0.696 - 0 -> -0.7.
    assert "Difference in differences: \u22120.7 appointments" in versus.sentence
    assert versus.download["Comparison group people"].iloc[0] == "10"
    # Cost: GP -84 x 13 + 42 x 10 = -672 over 23 = -29.217 -> -£29 published; the total is
    # -29 x 25 (the published n) = -725, so total / mean gives back 25, not 23 (the true total
    # -672 would give 23).
    money = views.cost.uncached(PUBLISHABLE, FILTERS, window=1)
    text = "\n".join(money.lines)
    assert "**\u2212£29** a year" in text
    assert "In total for the 25 people in this period: **\u2212£725**" in text
    assert "672" not in text
    total = money.download["Total change in NHS cost (GBP)"].iloc[0]
    mean = money.download["Change in NHS cost per person (GBP a year)"].iloc[0]
    assert float(total) / float(mean) == pytest.approx(25)


def test_full_access_same_cohort_is_exact(monkeypatch) -> None:
    install(monkeypatch, MANY, FLAT)
    money = views.cost.uncached(FULL_ACCESS, FILTERS, window=1)
    assert "In total for the 23 people in this period: **\u2212£672**" in "\n".join(money.lines)


def test_secondary_suppression_when_the_rest_of_the_parent_is_small(monkeypatch) -> None:
    # A practice's 23 people are publishable alone, but all practices hold 3 more: "all"
    # minus "this practice" would give those 3 away, so the practice's figures are hidden.
    install(monkeypatch, MANY, FLAT, parent_extra=[(9, 1)] * 3)
    one = dataclasses.replace(FILTERS, practice_codes=("A86012",))
    use = views.use_before_after.uncached(PUBLISHABLE, one, window=1)
    assert set(use.table["People"]) == {formats.SUPPRESSED}
    assert views.cost.uncached(PUBLISHABLE, one, window=1).figure is None
    versus = views.comparison.uncached(PUBLISHABLE, one, window=1, measure="gp_appointments")
    assert formats.SUPPRESSED in versus.sentence
    # The parent itself (26 people) is shown, rounded; full access is never hidden.
    assert (
        views.use_before_after.uncached(PUBLISHABLE, FILTERS, window=1).table["People"].iloc[0]
        == "25"
    )
    assert (
        views.use_before_after.uncached(FULL_ACCESS, one, window=1).table["People"].iloc[0] == "23"
    )


def test_no_person_rows_leave_a_view(monkeypatch) -> None:
    install(monkeypatch, MANY, FLAT)
    results = [
        views.use_before_after.uncached(PUBLISHABLE, FILTERS, window=1),
        views.change_distribution.uncached(PUBLISHABLE, FILTERS, window=1),
        views.comparison.uncached(PUBLISHABLE, FILTERS, window=1),
        views.frequent_attenders.uncached(PUBLISHABLE, FILTERS, window=1),
        views.cost.uncached(PUBLISHABLE, FILTERS, window=1),
    ]
    for result in results:
        for field in dataclasses.fields(result):
            value = getattr(result, field.name)
            if isinstance(value, pd.DataFrame):
                assert len(value) < len(MANY), field.name
                assert not any(c.endswith(("_before", "_after")) for c in value.columns)
