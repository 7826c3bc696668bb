"""The Outcomes and Healthcare use and cost pages under AppTest on the demo world: default
filters, a practice filter, a condition filter, a time point, the stricter PSEQ threshold,
the comparison window and the publishable scope, with no exceptions."""

from __future__ import annotations

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
    at = _open(app, HEALTHCARE, filter_publishable=True, filter_practices=["A86012"])
    _clean(at)
    assert "No comparison cohort" in _texts(at)
    at = _open(app, HEALTHCARE, filter_conditions=["chronic_pain_msk"])
    _clean(at)


@pytest.mark.parametrize("page", [OUTCOMES, HEALTHCARE])
def test_since_the_start(app, page) -> None:
    at = _open(app, page, filter_period="Since the start")
    _clean(at)
