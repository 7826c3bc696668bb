"""The Integration with practices and Unmet needs queries on a tiny hand-built service.

tests/fixtures/integration/ is tests/fixtures/service/ (three pilot practices A86012 list
10,000, A86017 list 5,000, A86026 list 400, comparison A86099; workers W1, W2; 14
referrals) with version-2 files: ten engagement occasions, goals with barriers, four
stories. Period 1 Jan to 30 Jun 2026 unless a test says otherwise. Expected values are
worked out by hand from the CSVs, the working beside each.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from tests.conftest import FIXTURES, build_fixture_db
from wellpath import access, db
from wellpath.scope import FULL_ACCESS, PUBLISHABLE, Filters, Scope

PERIOD = Filters(start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 6, 30))
W2_ONLY = dataclasses.replace(PERIOD, worker_ids=("W2",))
UNMET = ["not_achieved", "partly_achieved", "withdrawn"]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    path = build_fixture_db(FIXTURES / "integration", tmp_path_factory.mktemp("i") / "i.duckdb")
    connection = db.connect_read_only(path)
    yield connection
    connection.close()


def read(con, name, filters=PERIOD, scope: Scope = FULL_ACCESS, **extra) -> pd.DataFrame:
    return access.read(con, name, scope, filters, db.run_query(con, "practice_list"), extra)


def test_fixture_loaded_whole(con):
    assert con.execute("select count(*) from rejected_rows").fetchone()[0] == 0
    assert con.execute("select count(*) from practice_engagement").fetchone()[0] == 10


def test_engagement_by_month_per_practice(con):
    f = read(con, "practice_engagement_by_month")
    # 3 pilot practices x 6 months; the comparison practice (E09) is not shown.
    assert len(f) == 18 and "A86099" not in set(f.practice_code)
    f = f.set_index(["practice_code", f.month_start.dt.strftime("%Y-%m")])
    # A86012 Jan: E01 MDT 60 + E02 surgery 180 = 240 min; referrals R01 (5 Jan), R02 (20 Jan).
    jan = f.loc[("A86012", "2026-01")]
    assert (jan.mdt_meetings, jan.surgery_sessions, jan.engagement_minutes) == (1, 1, 240)
    assert (jan.engagement_occasions, jan.referral_count, jan.list_size) == (2, 2, 10000)
    # A86012 Feb: E03 MDT 45 + E04 case discussion 15 = 60 min; referral R03.
    feb = f.loc[("A86012", "2026-02")]
    assert (feb.mdt_meetings, feb.case_discussions, feb.engagement_minutes, feb.referral_count) == (
        1, 1, 60, 1,
    )  # fmt: skip
    # A86017 Mar: E05 training 90 + E06 surgery 240 = 330; referral R05 (2 Mar).
    mar = f.loc[("A86017", "2026-03")]
    assert (mar.training_sessions, mar.surgery_sessions, mar.engagement_minutes) == (1, 1, 330)
    assert mar.referral_count == 1
    # A86012 Jun: E08 other 30; R10 (1 Jun). A86026 Mar, Apr: R06, R08; no engagement.
    assert f.loc[("A86012", "2026-06"), ["other_occasions", "engagement_minutes"]].tolist() == [
        1,
        30,
    ]
    assert f.loc[("A86026", "2026-03")].engagement_minutes == 0
    assert f.xs("A86026").referral_count.tolist() == [0, 0, 1, 1, 0, 0]
    # E07 (Dec 2025) and E10 (Jul 2026) fall outside the period.
    assert f.engagement_minutes.sum() == 240 + 60 + 330 + 30


def test_engagement_by_month_for_one_worker(con):
    f = read(con, "practice_engagement_by_month", W2_ONLY)
    # W2: E04 (A86012 Feb, 15 min), E05 + E06 (A86017 Mar, 330); referrals R04, R05, R14.
    assert f.groupby("practice_code").engagement_minutes.sum().to_dict() == {
        "A86012": 15, "A86017": 330, "A86026": 0,
    }  # fmt: skip
    assert f.referral_count.sum() == 3


def test_engagement_summary_for_a_quarter_with_lapses(con):
    f = read(
        con,
        "practice_engagement_summary",
        period_start=dt.date(2026, 4, 1),
        period_end=dt.date(2026, 6, 30),
        lapse_weeks=8,
    ).set_index("practice_code")
    # Report date 30 Jun; 8 weeks = 56 days -> engagement after 5 May counts as recent.
    # A86012: E08 (10 Jun, other, 30 min) in the quarter; 20 days since; not lapsed.
    a = f.loc["A86012"]
    assert (a.other_occasions, a.engagement_minutes, a.days_since_engagement) == (1, 30, 20)
    assert not a.lapsed and a.last_engagement_date == pd.Timestamp("2026-06-10")
    # Referrals after 5 May: R10 (1 Jun); 10 Mar < date <= 5 May: R07 (1 Apr).
    assert (a.referrals_recent_count, a.referrals_before_count) == (1, 1)
    # A86017: nothing in the quarter (E10 is after the report date); last E06 20 Mar, 102
    # days before 30 Jun (11 + 30 + 31 + 30): lapsed. R14 (20 Jun) recent; R09 (5 May) before.
    b = f.loc["A86017"]
    assert (b.engagement_occasions, b.days_since_engagement, bool(b.lapsed)) == (0, 102, True)
    assert (b.referrals_recent_count, b.referrals_before_count) == (1, 1)
    # A86026: last E07 10 Dec 2025: 21 + 181 = 202 days; lapsed; R06, R08 before, none since.
    c = f.loc["A86026"]
    assert (c.days_since_engagement, bool(c.lapsed)) == (202, True)
    assert (c.referrals_recent_count, c.referrals_before_count) == (0, 2)


def test_a_practice_never_engaged_is_lapsed(con):
    f = read(
        con,
        "practice_engagement_summary",
        W2_ONLY,
        period_start=PERIOD.start_date,
        period_end=PERIOD.end_date,
        lapse_weeks=52,
    ).set_index("practice_code")
    # W2 never engaged with A86026: no last date, lapsed whatever the weeks.
    assert pd.isna(f.loc["A86026", "last_engagement_date"]) and bool(f.loc["A86026", "lapsed"])
    assert not bool(f.loc["A86017", "lapsed"])  # E06 20 Mar, within 52 weeks


def cells(con, rows_by, columns_by, statuses=UNMET, scope=FULL_ACCESS):
    f = read(
        con, "unmet_goals", scope=scope, rows_by=rows_by, columns_by=columns_by, statuses=statuses
    )
    return {(r.row_key, r.column_key): r.goal_count for r in f.itertuples()}


def test_unmet_goals_by_barrier_and_quarter(con):
    # Closed in the period unmet: G2 (10 May, partly, transport), G4 (19 Mar, not, waiting
    # list), G5 (1 Jun, withdrawn, cost), G6 (15 Jun, not, none), G7 (15 Jan, not,
    # confidence), G8 (1 Apr, not, transport). G1 achieved, G3 open, G9 closed in 2025.
    got = cells(con, "barrier", "quarter")
    assert got == {
        ("confidence", "2026-01-01"): 1,
        ("cost", "2026-04-01"): 1,
        ("transport", "2026-04-01"): 2,
        ("waiting_list", "2026-01-01"): 1,
        (None, "2026-04-01"): 1,
    }
    # Without partly achieved, G2 drops out: transport Q2 = 1 (G8).
    assert (
        cells(con, "barrier", "quarter", ["not_achieved", "withdrawn"])[("transport", "2026-04-01")]
        == 1
    )


def test_unmet_goals_by_pcn_and_domain(con):
    # PCNs: R01, R02, R04, R11 at West End practices (G2, G4, G7, G8); R08 at A86026,
    # Newcastle Outer West (G5, G6).
    assert cells(con, "pcn", "all") == {
        ("Newcastle Outer West PCN", "all"): 2,
        ("West End Family Health PCN", "all"): 4,
    }
    assert cells(con, "domain", "barrier")[("community_groups", "transport")] == 2  # G2, G8
    assert cells(con, "status", "all") == {
        ("not_achieved", "all"): 4, ("partly_achieved", "all"): 1, ("withdrawn", "all"): 1,
    }  # fmt: skip


def test_unmet_goals_are_suppressed_for_publication(con):
    got = cells(con, "pcn", "all", scope=PUBLISHABLE)
    # 2 and 4 goals: both 1-7, so both suppressed.
    assert all(pd.isna(v) for v in got.values()) and len(got) == 2


def test_stories_in_scope(con):
    f = read(con, "stories_in_scope", publishable_only=False)
    # All four are dated in the period (S4: 25 Feb 2026).
    assert f.story_id.tolist() == ["S3", "S2", "S1", "S4"]  # newest first
    assert "referral_id" not in f.columns and "patient_id" not in f.columns
    pub = read(con, "stories_in_scope", publishable_only=True)
    assert pub.story_id.tolist() == ["S3", "S1"]
    one = read(
        con, "stories_in_scope", scope=Scope(practice_codes=("A86026",)), publishable_only=False
    )
    assert one.story_id.tolist() == ["S3"]  # R08 is A86026's
