"""AppTest for the Data quality page on the demo world: figures that share a name with the
Outcomes page agree, and a total of hidden parts is never shown as 0."""

from __future__ import annotations

import dataclasses
import re

import duckdb

from tests.app.conftest import exceptions
from wellpath import access, db, outcomes
from wellpath.scope import FULL_ACCESS, PUBLISHABLE

PAGE = "pages/data_quality.py"


def test_pseq_followup_coverage_is_the_outcomes_figure(app, demo_db) -> None:
    at = app(PAGE)
    assert not exceptions(at), exceptions(at)
    filters = at.session_state["wellpath_filters"]
    shown = {m.label: m.value for m in at.metric}["PSEQ follow-up coverage"]
    con = duckdb.connect(str(demo_db), read_only=True)
    rows = access.read(
        con, "baseline_followup_coverage", FULL_ACCESS, filters, db.run_query(con, "practice_list")
    )
    con.close()
    sentence = outcomes.coverage_sentence(outcomes.coverage_summary(rows), "PSEQ", "PSEQ")
    assert f"({shown})" in sentence, (shown, sentence)
    assert "Followed up (%)" in at.dataframe[0].value.columns


def test_records_to_check_is_never_zero_over_hidden_checks(app) -> None:
    router = app()
    one = dataclasses.replace(router.session_state["wellpath_filters"], practice_codes=("A86012",))
    at = app(PAGE, scope=PUBLISHABLE, filters=one)
    assert not exceptions(at), exceptions(at)
    checks = next(t.value.reset_index() for t in at.table if t.value.index.name == "Check")
    total = {m.label: m.value for m in at.metric}["Records to check"]
    if (checks["Flagged"] == "*").any():
        assert total == "*" or total.endswith("or more"), total
    else:
        assert re.fullmatch(r"[\d,]+", total)
    assert "Attended a contact before the recorded first contact" in set(checks["Check"])
