"""Issue 13 part B pages on the demo world: the contract tracker, the Well-being Star's
areas, safe caseloads and the message back to the GP. View-level checks in both scopes, and
each page run as an AppTest (the page file itself, as the viewer the router would set)."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import as_role, exceptions, make_app
from tests.conftest import DEMO_TODAY
from wellpath import payments
from wellpath.scope import FULL_ACCESS, PUBLISHABLE, Filters
from wellpath.views import contract_tracker

FILTERS = Filters(start_date=dt.date(2025, 11, 1), end_date=dt.date(2026, 10, 31))
EXAMPLE = payments.ways_to_wellness_example().to_json()


@pytest.fixture
def demo(demo_db, use_db):
    use_db(demo_db)
    return demo_db


# A programme lead who chose publishable figures: every v2b page opens for this role, so the
# page's own rounded path is what runs (a commissioner is refused the programme pages).
ROUNDED_LEAD = as_role("programme_lead", rounded=True)


def run_page(page: str, scope=FULL_ACCESS, filters=FILTERS) -> AppTest:
    """The page through the router, as the viewer `scope` with these filters."""
    return make_app(page, scope=ROUNDED_LEAD if scope is PUBLISHABLE else scope, filters=filters)


def _money(text: str) -> float:
    return float(text.split(" ")[0].replace("£", "").replace(",", "").replace("\u2212", "-"))


def test_tracker_publishable_pays_from_rounded_counts(demo):
    table = contract_tracker.tracker(PUBLISHABLE, FILTERS, rules_json=EXAMPLE).table
    earned = table[table["Status"] != "to come (projected)"]
    for col in ("Star: people measured", "Star: gain met threshold", "Cost: people measured"):
        for cell in earned[col]:
            assert cell == "*" or int(cell.replace(",", "")) % 5 == 0, (col, cell)
    for met, pay in zip(
        earned["Star: gain met threshold"], earned["Well-being payment (95% range)"], strict=True
    ):
        if met == "*":
            assert pay == "*"
        else:  # GBP 250 per person, from the ROUNDED count
            assert _money(pay) == 250 * int(met.replace(",", ""))


def test_tracker_full_access_is_unrounded_and_totals_add_up(demo):
    table = contract_tracker.tracker(FULL_ACCESS, FILTERS, rules_json=EXAMPLE).table
    earned = table[table["Status"] != "to come (projected)"]
    assert any(int(c) % 5 for c in earned["Star: gain met threshold"])
    for _, row in earned.iterrows():
        total = _money(row["Total payment (95% range)"])
        parts = _money(row["Well-being payment (95% range)"]) + _money(
            row["Cost payment (95% range)"]
        )
        assert total == pytest.approx(parts, abs=1)


def test_contract_tracker_page_runs_in_both_scopes(demo):
    for scope in (FULL_ACCESS, PUBLISHABLE):
        at = run_page("pages/contract_tracker.py", scope)
        assert not exceptions(at)
        assert at.table, "the quarter table is drawn"


def test_star_areas_publishable_rounds_and_shows_the_licence(demo):
    from wellpath.views import star

    full = star.area_change(FULL_ACCESS, FILTERS, instrument="WBSTAR")
    pub = star.area_change(PUBLISHABLE, FILTERS, instrument="WBSTAR")
    assert len(full.table) == 8
    assert all(c == "*" or int(c.replace(",", "")) % 5 == 0 for c in pub.table["Improved"])
    assert any("Triangle" in n for n in pub.notes) and any(
        "Area 1 to Area 8" in n for n in pub.notes
    )


def test_person_star_for_the_mdt_page_and_refused_when_rounded(demo):
    import duckdb

    from wellpath.views import star

    with duckdb.connect(str(demo), read_only=True) as con:
        referral_id = con.sql(
            "select referral_id from assessment_scores where instrument = 'WBSTAR' and "
            "is_complete group by 1 having count(*) >= 2 order by 1 limit 1"
        ).fetchone()[0]
    person = star.person_star(FULL_ACCESS, referral_id, report_date=DEMO_TODAY)
    assert person.allowed and len(person.table) == 8 and person.figure is not None
    refused = star.person_star(PUBLISHABLE, referral_id, report_date=DEMO_TODAY)
    assert not refused.allowed and refused.table.empty and "not with publishable" in refused.message


def test_star_page_runs_in_both_scopes(demo):
    for scope in (FULL_ACCESS, PUBLISHABLE):
        at = run_page("pages/star_domains.py", scope)
        assert not exceptions(at)
        assert at.dataframe


def test_safe_caseloads_match_the_active_caseload_definition(demo):
    import duckdb

    from wellpath.views import safe_caseloads

    result = safe_caseloads.caseloads(FULL_ACCESS, FILTERS, months_on_caseload=12.0)
    with duckdb.connect(str(demo), read_only=True) as con:
        expected = dict(
            con.execute(
                "select l.display_name, count(distinct f.patient_id) from referral_facts f "
                "join link_workers l using (worker_id) where is_active_on(f.triage_outcome, "
                "f.first_contact_date, f.discharge_date, ?) group by 1",
                [FILTERS.report_date],
            ).fetchall()
        )
    got = dict(zip(result.table["Link worker"], result.table["On caseload (people)"], strict=True))
    assert {k: int(v.replace(",", "")) for k, v in got.items()} == expected
    pub = safe_caseloads.caseloads(PUBLISHABLE, FILTERS, months_on_caseload=12.0)
    for col in pub.table.columns[2:3].tolist() + pub.table.columns[-2:].tolist():
        assert all(c == "*" or int(c.replace(",", "")) % 5 == 0 for c in pub.table[col])


def test_safe_caseloads_page_runs_in_both_scopes(demo):
    for scope in (FULL_ACCESS, PUBLISHABLE):
        at = run_page("pages/safe_caseloads.py", scope)
        assert not exceptions(at)
        assert len(at.dataframe) == 2


def test_message_back_refused_when_rounded_and_runs_when_not(demo):
    from wellpath.views import message_back

    refused = message_back.messages(PUBLISHABLE, FILTERS)
    assert not refused.allowed and refused.people.empty and not refused.messages
    at = run_page("pages/message_back.py", PUBLISHABLE)
    assert not exceptions(at) and at.warning
    at = run_page("pages/message_back.py", FULL_ACCESS)
    assert not exceptions(at)
    full = message_back.messages(FULL_ACCESS, FILTERS)
    assert full.messages and all(m.suggested_next == "not recorded" for m in full.messages)


def test_message_back_writes_only_the_chosen_and_the_same_messages(demo):
    """The page's list writes no message; a choice gets exactly the messages the whole batch
    has for those people, in the batch's order (same SDs, same text)."""
    from wellpath.views import message_back

    full = message_back.messages(FULL_ACCESS, FILTERS)
    listed = message_back.chosen_messages(FULL_ACCESS, FILTERS, referral_ids=())
    assert listed.messages == () and listed.people.empty
    assert message_back.people(FULL_ACCESS, FILTERS, practice_code=None).equals(full.people)
    ids = list(full.people["referral_id"])
    pick = (ids[-1], ids[0], ids[len(ids) // 2])
    chosen = message_back.chosen_messages(FULL_ACCESS, FILTERS, referral_ids=pick)
    by_id = dict(zip(ids, full.messages, strict=True))
    assert list(chosen.messages) == [by_id[i] for i in ids if i in set(pick)]
    assert message_back.document(FULL_ACCESS, FILTERS, referral_ids=pick) == (
        message_back.mb.build_html([by_id[i] for i in ids if i in set(pick)])
    )
    assert message_back.chosen_messages(PUBLISHABLE, FILTERS, referral_ids=pick).messages == ()
