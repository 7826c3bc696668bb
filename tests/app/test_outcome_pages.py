"""The Outcomes and Healthcare use and cost pages under AppTest on the demo world: default
filters, a practice filter, a condition filter, a time point, the stricter PSEQ threshold,
the comparison window and the publishable scope, with no exceptions."""

from __future__ import annotations

import dataclasses
import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP_TIMEOUT_SECONDS, DASHBOARD, exceptions

OUTCOMES = "pages/outcomes.py"
HEALTHCARE = "pages/healthcare_use.py"


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [h.value for h in at.subheader] + [i.value for i in at.info]
    parts += [w.value for w in at.warning]
    return "\n".join(parts)


def _open(app, page: str, **state):
    """The router with sidebar filters set through their keys before its first run (AppTest
    does not show the router's sidebar widgets after switching page), then `page`."""
    app()  # points WELLPATH_DB at the demo world
    at = AppTest.from_file(str(DASHBOARD), default_timeout=APP_TIMEOUT_SECONDS)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(page).run()
    return at


def _clean(at) -> None:
    assert not exceptions(at), exceptions(at)


def test_outcomes_default(app) -> None:
    at = app(OUTCOMES)
    _clean(at)
    text = _texts(at)
    assert "What the numbers say" in text
    assert re.search(r"the mean score (rose|fell) from \d+\.\d to \d+\.\d", text)
    assert "regression to the mean" in text
    table = at.dataframe[0].value
    assert table["Questionnaire"].iloc[0].startswith("PSEQ")
    assert "NHS Health Scotland" in text  # SWEMWBS licence notice
    assert "Triangle" in text  # Well-being Star licence notice
    assert at.get("plotly_chart"), "no charts drawn"


def test_outcomes_time_point_and_stricter_threshold(app) -> None:
    at = app(OUTCOMES)
    at.radio(key="outcomes_time_point").set_value("6 months").run()
    _clean(at)
    assert "about 6 months" in _texts(at)
    at.radio(key="outcomes_pseq_mcid").set_value(11.0).run()
    _clean(at)
    table = at.dataframe[0].value
    assert (
        table.loc[
            table["Questionnaire"].str.startswith("PSEQ:"), "Meaningful change (points)"
        ].iloc[0]
        == "11"
    )


def test_outcomes_practice_and_condition_filters(app) -> None:
    at = _open(app, OUTCOMES, filter_practices=["A86012"])
    _clean(at)
    at = _open(app, OUTCOMES, filter_practices=["A86012"], filter_conditions=["fibromyalgia"])
    _clean(at)
    for by in ("condition", "imd_quintile", "sex", "age_band"):
        at.radio(key="outcomes_breakdown_by").set_value(by).run()
        _clean(at)


def test_outcomes_each_questionnaire_in_detail(app) -> None:
    at = app(OUTCOMES)
    for measure in at.selectbox(key="outcomes_detail_measure").options:
        at.selectbox(key="outcomes_detail_measure").set_value(measure).run()
        _clean(at)


def test_outcomes_publishable(app) -> None:
    at = _open(app, OUTCOMES, filter_publishable=True)
    _clean(at)
    table = at.dataframe[0].value
    for value in table["People paired"]:
        assert value == "*" or int(value.replace(",", "")) % 5 == 0
    # A single practice and condition: small groups are starred, not shown.
    at = _open(
        app,
        OUTCOMES,
        filter_publishable=True,
        filter_practices=["A86026"],
        filter_conditions=["ibs"],
    )
    _clean(at)


def test_healthcare_default_and_windows(app) -> None:
    at = app(HEALTHCARE)
    _clean(at)
    text = _texts(at)
    assert "Difference in differences" in text
    assert "between-group comparison" in text
    assert "regression to the mean" in text
    assert "Change in NHS cost per person" in text
    at.radio(key="healthcare_window").set_value(2).run()
    _clean(at)
    at.selectbox(key="healthcare_measure").set_value("opioid_items").run()
    _clean(at)


def test_healthcare_service_cost_gives_net_cost(app) -> None:
    at = app(HEALTHCARE)
    at.number_input(key="healthcare_service_cost_input").set_value(250000.0).run()
    _clean(at)
    assert "Net cost per person" in _texts(at)


def test_healthcare_practice_filter_and_publishable(app) -> None:
    at = _open(app, HEALTHCARE, filter_publishable=True)
    _clean(at)
    table = at.dataframe[0].value
    for value in table["People"]:
        assert value == "*" or int(value.replace(",", "")) % 5 == 0
    at = _open(app, HEALTHCARE, filter_publishable=True, filter_practices_one="A86012")
    _clean(at)
    assert "No comparison cohort" in _texts(at)
    at = _open(app, HEALTHCARE, filter_conditions=["chronic_pain_msk"])
    _clean(at)


@pytest.mark.parametrize("page", [OUTCOMES, HEALTHCARE])
def test_since_the_start(app, page) -> None:
    at = _open(app, page, filter_period="Since the start")
    _clean(at)


# --- views on the demo world: Overview against Outcomes, and publishable attacks -----------
import datetime as dt  # noqa: E402

from wellpath import data, labels, stats  # noqa: E402
from wellpath.scope import FULL_ACCESS, PUBLISHABLE, Filters  # noqa: E402
from wellpath.views import outcomes as outcome_views  # noqa: E402
from wellpath.views import overview as overview_views  # noqa: E402

YEAR = Filters(dt.date(2024, 12, 1), dt.date(2025, 11, 30))


@pytest.fixture
def demo_views(demo_db, use_db):
    use_db(demo_db)


@pytest.mark.parametrize("scope", [FULL_ACCESS, PUBLISHABLE], ids=["full", "publishable"])
def test_overview_pseq_is_the_outcomes_pseq_row(demo_views, scope) -> None:
    row = outcome_views.paired_change(scope, YEAR).table.iloc[0]
    shown = {m.label: (m.value, m.caption) for m in overview_views.pseq(scope, YEAR).metrics}
    assert row["Questionnaire"].startswith("PSEQ")
    assert shown["People paired"][0] == row["People paired"]
    assert shown["Mean change"] == (
        f"{row['Mean change (points)']} points",
        f"95% CI {row['95% CI of change']} points",
    )
    assert shown["Mean PSEQ, start → latest"][0] == (
        f"{row['Mean at start']} → {row['Mean at follow-up']}"
    )
    assert shown["Improved by 5.5+ points"][0] == row["Reached it"]
    # Overview builds the row without the Outcomes page's reading and coverage: same strings
    assert outcome_views.pseq_headline(scope, YEAR) == outcome_views.paired_change(scope, YEAR).pseq


def _pseq(scope, filters):
    change = outcome_views.paired_change(scope, filters)
    if change.download.empty:
        return None
    rows = change.download[change.download["Questionnaire"].str.startswith("PSEQ:")]
    return rows.iloc[0] if len(rows) else None


def test_differencing_practice_all_against_all_but_one_condition_recovers_nothing(
    demo_views,
) -> None:
    # Issue 14: "practice P, all conditions" minus "practice P, all but C" gave group C's
    # exact size and mean. For every practice and condition whose group is 1-7 PSEQ pairs
    # (suppressed on its own), the attack must find one of the two figures suppressed.
    conditions = tuple(labels.CONDITIONS)
    attacked = 0
    for practice in ("A86012", "A86017", "A86021", "A86026"):
        whole = Filters(YEAR.start_date, YEAR.end_date, practice_codes=(practice,))
        for condition in conditions:
            alone = dataclasses.replace(whole, conditions=(condition,))
            true_rows = data.query(
                "paired_scores", FULL_ACCESS, alone, time_point_months=None, window_days=None
            )
            n = int((true_rows["measure"] == "PSEQ").sum())
            if not 1 <= n <= 7:
                continue
            attacked += 1
            rest = dataclasses.replace(
                whole, conditions=tuple(c for c in conditions if c != condition)
            )
            a, b = _pseq(PUBLISHABLE, whole), _pseq(PUBLISHABLE, rest)
            published = [
                r is not None and r["Mean change (points)"] not in ("", None) for r in (a, b)
            ]
            assert not all(published), (practice, condition, n)
    assert attacked >= 3  # the demo world has such groups: the test is not vacuous


def test_publishable_meaningful_change_interval_is_from_rounded_parts(demo_views) -> None:
    # Issue 10: the CI of "Improved by 5.5+" was Wilson(true k, true n) under a '*' share.
    for practice in ("A86012", "A86017", "A86021", "A86026"):
        for condition in tuple(labels.CONDITIONS):
            f = Filters(YEAR.start_date, YEAR.end_date, (practice,), conditions=(condition,))
            row = _pseq(PUBLISHABLE, f)
            if row is None:
                continue
            share = row["Reached meaningful change (%)"]
            low = row["Reached meaningful change, 95% CI low (%)"]
            if share == "":
                assert low == "", (practice, condition)
                continue
            n = int(row["People paired (follow-up dated in the period)"].replace(",", ""))
            k = round(float(share) * n / 100)
            expected = 100 * stats.wilson_interval(k, n)[0]
            assert float(low) == pytest.approx(expected, abs=0.051)
            assert n % 5 == 0 and n >= 20


def test_publishable_download_has_no_exact_p_srm_or_sd(demo_views) -> None:
    download = outcome_views.paired_change(PUBLISHABLE, YEAR).download
    assert "Wilcoxon signed-rank p (band)" in download.columns
    assert set(download["Wilcoxon signed-rank p (band)"].dropna()) <= {
        "p < 0.001",
        "p < 0.01",
        "p < 0.05",
        "p \u2265 0.05",
    }
    joined = " ".join(download.columns).lower()
    assert "srm" not in joined and "sd of" not in joined and "effect size" not in joined
    for value in download["Mean change (points)"]:
        assert value == "" or len(value.split(".")[-1]) == 1


def test_coverage_sentence_uses_the_interval_and_plural_english() -> None:
    import pandas as pd

    from wellpath import outcomes

    rows = pd.DataFrame(
        {
            "measure": ["PSEQ"] * 3,
            "follow_up_status": list(outcomes.FOLLOW_UP_STATUSES),
            "baseline_count": [40, 10, 1],
            "mean_baseline": [20.0, 21.0, 18.5],
            "ci_low": [0.0] * 3,
            "ci_high": [0.0] * 3,
            "sd_baseline": [8.0, 8.0, 1.0],
        }
    )
    text = outcomes.coverage_sentence(rows, "PSEQ", "PSEQ")
    assert "1 was discharged" in text and "10 are still" in text
    assert "too few" in text  # one discharged person: no SD, no comparison
    rows.loc[2, ["baseline_count", "mean_baseline", "sd_baseline"]] = [30, 18.5, 8.0]
    # 1.5 points apart with SD 8 and n 40 / 30: the 95% CI spans 0, so "not clearly different"
    assert "not clearly different" in outcomes.coverage_sentence(rows, "PSEQ", "PSEQ")
    rows.loc[2, "mean_baseline"] = 12.0
    assert "not typical" in outcomes.coverage_sentence(rows, "PSEQ", "PSEQ")
