"""The Referrals, Caseload and Activity pages' queries on a tiny hand-built service.

The fixture (tests/fixtures/service/) is loaded through the real importer. It has three pilot
practices (A86012 list 10,000; A86017 list 5,000; A86026 list 400), one comparison practice,
two link workers (W1 1.0 FTE since 2024; W2 0.5 FTE from 1 Jan 2026) and 14 referrals. Every
test reads the period 1 Jan 2026 to 30 Jun 2026 (report date 30 Jun 2026) unless it says
otherwise. Referrals in the period: R01-R10 and R14 (11); R11 (Oct 2025) and R12 (Sep 2024)
are before it, R13 (5 Jul 2026) after it. Expected values below are worked out by hand from
the CSVs; the working is in each test.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.conftest import FIXTURES, build_fixture_db
from wellpath import access, db
from wellpath.scope import FULL_ACCESS, PUBLISHABLE, Filters, Scope

PERIOD = Filters(start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 6, 30))

SERVICE_QUERIES = [
    "referrals_by_practice_month",
    "referrals_by_month",
    "referral_rates_by_practice",
    "referrals_by_referrer_quarter",
    "referrals_by_condition_quarter",
    "triage_funnel",
    "referrals_by_equity_group",
    "active_caseload_by_month",
    "worker_caseload_by_month",
    "caseload_duration_counts",
    "completed_episode_lengths",
    "waits_by_referral_month",
    "wait_summary",
    "people_waiting_by_band",
    "people_waiting",
    "discharges_by_reason",
    "long_stays_by_practice",
    "long_stay_people",
    "contacts_by_mode",
    "contacts_by_month",
    "contacts_by_worker_month",
    "contacts_per_person",
    "goals_by_domain",
    "goal_domains_by_condition",
    "contact_totals",
    "goal_totals",
    "referrals_by_referrer_and_condition",
]


@pytest.fixture(scope="module")
def con(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    path = build_fixture_db(FIXTURES / "service", tmp_path_factory.mktemp("service") / "s.duckdb")
    connection = db.connect_read_only(path)
    yield connection
    connection.close()


def read(
    con: duckdb.DuckDBPyConnection,
    name: str,
    filters: Filters = PERIOD,
    scope: Scope = FULL_ACCESS,
    **extra: object,
) -> pd.DataFrame:
    practices = db.run_query(con, "practice_list")
    if name == "caseload_duration_counts":
        extra.setdefault("cohort_from_date", filters.start_date)
        extra.setdefault("group_by", "all")
    return access.read(con, name, scope, filters, practices, extra)


def test_fixture_loaded_whole(con):
    # 14 referrals in the CSV, none rejected: referral_facts has one row per referral.
    assert con.execute("select count(*) from referral_facts").fetchone()[0] == 14
    assert con.execute("select count(*) from rejected_rows").fetchone()[0] == 0


def test_referral_facts_for_one_referral(con):
    # R01: contacts C01-C05: attended C01 (60 min), C02 (45), C04 (30), C05 (30) = 4 attended,
    # 165 minutes; C03 DNA. First attended 15 Jan, last 15 May. Goals G1 achieved, G2 partly:
    # 2 goals, 1 achieved. Born 1960, referred 2026: age 66, band 60-69. IMD decile 2 ->
    # quintile 1. Wait 5 Jan -> 15 Jan = 10 days. Accepted with attended contacts: engaged.
    row = con.execute("select * from referral_facts where referral_id = 'R01'").df().iloc[0]
    assert row["contacts_total"] == 5
    assert row["contacts_attended"] == 4
    assert row["contacts_dna"] == 1
    assert row["contacts_cancelled"] == 0
    assert row["attended_minutes"] == 165
    assert row["first_attended_contact_date"].date() == dt.date(2026, 1, 15)
    assert row["last_attended_contact_date"].date() == dt.date(2026, 5, 15)
    assert (row["goals_total"], row["goals_achieved"]) == (2, 1)
    assert row["age_at_referral_years"] == 66
    assert row["age_band"] == "60-69"
    assert row["imd_quintile"] == 1
    assert row["wait_days"] == 10
    assert bool(row["is_engaged"])
    # R14 is accepted but has no contacts: not engaged; R03 not eligible: not engaged.
    engaged = dict(con.execute("select referral_id, is_engaged from referral_facts").fetchall())
    assert engaged["R14"] is False and engaged["R03"] is False
    # R08: born 1945, referred 2026 -> 81 -> '80+'. R06: born 2000 -> 26 -> '18-29'.
    bands = dict(con.execute("select referral_id, age_band from referral_facts").fetchall())
    assert bands["R08"] == "80+" and bands["R06"] == "18-29"


@pytest.mark.parametrize("name", SERVICE_QUERIES)
def test_every_query_filters_on_practice_codes(name):
    assert "practice_codes" in db.query_parameters(name)


def test_referrals_by_practice_month(con):
    # A86012: R01, R02 (Jan), R03 (Feb), R07 (Apr), R10 (Jun) = 5; A86017: R04 (Feb), R05
    # (Mar), R09 (May), R14 (Jun) = 4; A86026: R06 (Mar), R08 (Apr) = 2. Zero-filled:
    # 6 months x 3 pilot practices = 18 rows; the comparison practice is left out.
    df = read(con, "referrals_by_practice_month")
    assert len(df) == 18
    assert "A86099" not in set(df["practice_code"])
    totals = df.groupby("practice_code")["referral_count"].sum().to_dict()
    assert totals == {"A86012": 5, "A86017": 4, "A86026": 2}
    jan = df[df["month_start"] == pd.Timestamp("2026-01-01")].set_index("practice_code")
    assert jan["referral_count"].to_dict() == {"A86012": 2, "A86017": 0, "A86026": 0}
    assert df["is_whole_month"].all()


def test_referrals_by_month_flags_part_months(con):
    # 15 Jan to 10 Mar: January and March are part months; Feb whole. Jan: R01 (5 Jan) is
    # before the 15th, R02 (20 Jan) inside -> 1; Feb: R03, R04 -> 2; Mar: R05 (2 Mar) -> 1.
    f = Filters(start_date=dt.date(2026, 1, 15), end_date=dt.date(2026, 3, 10))
    df = read(con, "referrals_by_month", f)
    assert df["referral_count"].tolist() == [1, 2, 1]
    assert df["is_whole_month"].tolist() == [False, True, False]


def test_referral_rates_and_funnel_position(con):
    # Rates per 1,000: A86012 5/10,000 = 0.5; A86017 4/5,000 = 0.8; A86026 2/400 = 5.0.
    # Overall 11 / 15,400 = 0.714 per 1,000, so A86026 expects 400 * 11/15,400 = 0.2857.
    # Poisson(0.2857): P(0) = e^-0.2857 = 0.7515, P(<=1) = 0.7515 * 1.2857 = 0.9662,
    # P(<=2) = 0.7515 * (1.2857 + 0.0408) = 0.9969, P(<=3) = 0.9969 + 0.0029 = 0.9998.
    # Spiegelhalter's interpolated limits (wellpath.funnel): upper 95% count = 2 -
    # (0.9969 - 0.975) / P(2) 0.0307 = 1.29 -> 3.2 per 1,000; upper 99.8% count = 3 -
    # (0.9998 - 0.999) / 0.0029 = 2.73 -> 6.8 per 1,000. A rate of 5.0 lies between them:
    # above the 95% limit, inside the 99.8% one.
    df = read(con, "referral_rates_by_practice").set_index("practice_code")
    assert df["referral_count"].to_dict() == {"A86012": 5, "A86017": 4, "A86026": 2}
    assert df["list_size"].to_dict() == {"A86012": 10000, "A86017": 5000, "A86026": 400}
    from wellpath.funnel import funnel_limits, funnel_position

    overall = 1000 * 11 / 15400
    limits = funnel_limits([400], overall, levels=(0.95, 0.998), per=1000).iloc[0]
    assert limits["upper_95"] == pytest.approx(3.22, abs=0.02)
    assert limits["upper_998"] == pytest.approx(6.83, abs=0.02)
    assert funnel_position(2, 400, overall).band == "above 95%"
    # The service's own summary of the funnel agrees.
    from wellpath.service import referral_rates

    rates = referral_rates(df.reset_index()).set_index("practice_code")
    assert rates.loc["A86026", "rate_per_1000"] == pytest.approx(5.0)
    assert rates.loc["A86026", "band"] == "above 95%"
    assert rates.loc["A86012", "band"] == "within 95%"


def test_referral_mix_by_quarter(con):
    # Jan-Mar: R01 gp, R02 self, R03 nurse, R04 gp, R05 physio, R06 gp -> gp 3, self 1, nurse 1,
    # physiotherapist 1. Apr-Jun: R07 self, R08 gp, R09 pharmacist, R10 gp, R14 gp -> gp 3,
    # self 1, pharmacist 1.
    df = read(con, "referrals_by_referrer_quarter")
    q2 = df[df["quarter_start"] == pd.Timestamp("2026-04-01")]
    assert q2.set_index("referrer_role")["referral_count"].to_dict() == {
        "gp": 3,
        "pharmacist": 1,
        "self": 1,
    }
    assert df["referral_count"].sum() == 11
    # Conditions: chronic_pain_msk R01 R04 R05 R07 R10 R14 = 6; fibromyalgia R02 R08 = 2;
    # ibs R03 R06 = 2; other R09 = 1.
    cond = read(con, "referrals_by_condition_quarter").groupby("condition")["referral_count"].sum()
    assert cond.to_dict() == {"chronic_pain_msk": 6, "fibromyalgia": 2, "ibs": 2, "other": 1}


def test_triage_funnel(con):
    # Of the 11: awaiting R07; accepted R01 R02 R04 R05 R08 R14 (6); not eligible R03;
    # declined R06; no contact R09; redirected R10. First contact by 30 Jun: R01, R02, R04,
    # R08 (R05 none; R14's is 10 Jul) = 4 of 6. Action plan: R01, R02, R08 = 3 of 4.
    # Discharged by 30 Jun: R01, R04 = 2 of 6 accepted.
    df = read(con, "triage_funnel").set_index("stage")
    assert df["referral_count"].to_dict() == {
        "referred": 11,
        "awaiting_triage": 1,
        "accepted": 6,
        "not_eligible": 1,
        "declined": 1,
        "no_contact": 1,
        "redirected": 1,
        "first_contact": 4,
        "action_plan": 3,
        "discharged": 2,
    }
    assert df.loc["first_contact", "conversion_pct"] == pytest.approx(100 * 4 / 6)
    assert df.loc["action_plan", "conversion_pct"] == pytest.approx(75.0)
    # Triage outcomes partition the referrals.
    outcomes = [
        "awaiting_triage",
        "accepted",
        "not_eligible",
        "declined",
        "no_contact",
        "redirected",
    ]
    assert df.loc[outcomes, "referral_count"].sum() == df.loc["referred", "referral_count"]


def test_triage_funnel_as_at_an_earlier_date(con):
    # Period 1 Jan to 10 Jan: R01 (5 Jan) only; triaged 10 Jan (accepted, counts), first contact
    # 15 Jan is after the report date -> no first contact yet.
    f = Filters(start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 1, 10))
    df = read(con, "triage_funnel", f).set_index("stage")["referral_count"]
    assert (df["referred"], df["accepted"], df["first_contact"]) == (1, 1, 0)
    # ...and on 9 Jan it was still awaiting triage.
    f = Filters(start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 1, 9))
    df = read(con, "triage_funnel", f).set_index("stage")["referral_count"]
    assert (df["awaiting_triage"], df["accepted"]) == (1, 0)


def test_equity_groups(con):
    # Ages at referral: R06 26 | R03 36, R10 31, R14 38 | R02 41, R09 46 | R05 51, R07 56 |
    # R01 66 | R04 76 | R08 81. IMD quintiles: R01 R04 R09 R14 -> 1 (4); R05 R07 -> 2;
    # R02 R10 -> 3; R03 R08 -> 5; R06 unknown (1). Accepted in quintile 1: R01 R04 R14 (3);
    # engaged (attended contact by 30 Jun): R01, R04 (R14 none) = 2.
    df = read(con, "referrals_by_equity_group")
    age = df[df["dimension"] == "age_band"].set_index("category")["referral_count"].to_dict()
    assert age == {"18-29": 1, "30-39": 3, "40-49": 2, "50-59": 2, "60-69": 1, "70-79": 1, "80+": 1}
    imd = df[df["dimension"] == "imd_quintile"]
    assert imd["referral_count"].sum() == 11
    q1 = imd[imd["category"] == "1"].iloc[0]
    assert (q1["referral_count"], q1["accepted_count"], q1["engaged_count"]) == (4, 3, 2)
    assert imd["category"].isna().sum() == 1
    sex = df[df["dimension"] == "sex"].set_index("category")["referral_count"].to_dict()
    assert sex == {"female": 6, "male": 4, "other": 1}


def test_active_caseload_on_month_ends(con):
    # Accepted with first contact on or before the date and not discharged before it:
    # 31 Jan: R01 (15 Jan-), R11 (to 20 Feb), R12 (open since 2024) = 3
    # 31 Mar: R01, R02 (3 Feb-), R04 (6 Mar-10 Apr), R12 = 4 (R05 never contacted)
    # 30 Jun: R02, R08 (6 May-), R12 = 3 (R01 left 15 May; R14's contact is 10 Jul)
    df = read(con, "active_caseload_by_month")
    assert df["active_count"].tolist() == [3, 3, 4, 3, 3, 3]
    f = PERIOD.__class__(start_date=PERIOD.start_date, end_date=PERIOD.end_date, worker_ids=("W2",))
    # W2 holds R04, R05, R14: only R04 is ever active (March).
    assert read(con, "active_caseload_by_month", f)["active_count"].tolist() == [0, 0, 1, 0, 0, 0]


def test_worker_caseload_against_safe_range(con):
    # W1 on 30 Jun: active R02, R08, R12 = 3; supported in the 12 months 1 Jul 2025 - 30 Jun
    # 2026: R01, R02, R08, R11, R12 = 5; safe range 200-250 (1.0 FTE, in post all year).
    # W2: 0.5 FTE, in post from 1 Jan 2026: 181 of the window's 365 days ->
    # 200 * 0.5 * 181/365 = 49.59 and 250 * 0.5 * 181/365 = 61.99. Supported: R04 = 1.
    df = read(con, "worker_caseload_by_month")
    june = df[df["month_start"] == pd.Timestamp("2026-06-01")].set_index("worker_id")
    assert june.loc["W1", "active_count"] == 3
    assert june.loc["W1", "supported_12m_count"] == 5
    assert june.loc["W1", "safe_caseload_low_people"] == pytest.approx(200)
    assert june.loc["W2", "supported_12m_count"] == 1
    assert june.loc["W2", "safe_caseload_low_people"] == pytest.approx(200 * 0.5 * 181 / 365)
    assert june.loc["W2", "safe_caseload_high_people"] == pytest.approx(250 * 0.5 * 181 / 365)


def test_caseload_durations_and_kaplan_meier_median(con):
    # Accepted episodes starting (first contact, else triage date) in the period, to 30 Jun:
    # R01 15 Jan-15 May = 120 days, ended; R02 3 Feb- = 147 censored; R04 6 Mar-10 Apr = 35
    # ended; R05 (no contact) 5 Mar- = 117 censored; R08 6 May- = 55 censored; R14 (contact
    # 10 Jul not yet) 25 Jun- = 5 censored.
    # KM: 5c, 35e (5 at risk: S = 4/5 = 0.8), 55c, 117c, 120e (2 at risk: S = 0.8 * 1/2 = 0.4),
    # 147c. The median is the first time S <= 0.5: 120 days.
    df = read(con, "caseload_duration_counts")
    assert df["group_key"].isna().all()  # one group
    pairs = sorted(zip(df["caseload_days"], df["is_ended"], df["episodes"], strict=True))
    assert pairs == [
        (5, False, 1),
        (35, True, 1),
        (55, False, 1),
        (117, False, 1),
        (120, True, 1),
        (147, False, 1),
    ]
    from wellpath.stats import kaplan_meier_groups

    (km,) = kaplan_meier_groups(df["caseload_days"], df["is_ended"], counts=df["episodes"])
    assert km.median == pytest.approx(120)
    assert (km.n, km.events) == (6, 2)
    # The mean of the finished episodes alone, (35 + 120) / 2 = 77.5 days, is what the page
    # must not show as "time on caseload".


def test_caseload_durations_since_the_start_adds_earlier_episodes(con):
    # With no cohort start, every accepted episode begun by 30 Jun counts. Two began before
    # 1 Jan: R11 (first contact 10 Oct 2025, discharged 20 Feb 2026 = 133 days, ended) and
    # R12 (first contact 15 Sep 2024, still open: 15 Sep 2024 to 30 Jun 2026 = 653 days,
    # censored), so the six episodes above gain two: eight rows, three events.
    df = read(con, "caseload_duration_counts", cohort_from_date=None)
    assert int(df["episodes"].sum()) == 8
    assert int(df.loc[df["is_ended"], "episodes"].sum()) == 3
    pairs = set(zip(df["caseload_days"], df["is_ended"], strict=True))
    assert {(133, True), (653, False)} <= pairs


@pytest.mark.parametrize("cohort_from_date", [None, PERIOD.start_date])
@pytest.mark.parametrize(
    ("group_by", "column"), [("practice", "practice_code"), ("condition", "condition")]
)
def test_caseload_duration_counts_by_group_add_up_to_all(con, cohort_from_date, group_by, column):
    # The same episodes counted three ways: by practice and by condition, each group's
    # counts add up, per length and ending, to the counts of everyone; and each group's
    # episodes are the referrals of that group (no episode moves between groups).
    keys = ["caseload_days", "is_ended"]
    every = read(con, "caseload_duration_counts", cohort_from_date=cohort_from_date)
    grouped = read(
        con, "caseload_duration_counts", cohort_from_date=cohort_from_date, group_by=group_by
    )
    assert not grouped.duplicated(["group_key", *keys]).any()
    added = grouped.groupby(keys, as_index=False)["episodes"].sum()
    pd.testing.assert_frame_equal(
        added.sort_values(keys).reset_index(drop=True),
        every[[*keys, "episodes"]].sort_values(keys).reset_index(drop=True),
        check_dtype=False,
    )
    referrals = con.execute(f"select distinct {column} from referrals").fetchall()
    assert set(grouped["group_key"].dropna()) <= {r[0] for r in referrals}


def test_completed_episode_lengths(con):
    # Discharged in the period: R04 35 days (1.1 months), R01 120 (3.9), R11 10 Oct-20 Feb
    # = 133 days (4.4 months) -> 0-3 months: 1, 3-6 months: 2.
    df = read(con, "completed_episode_lengths")
    assert df["episode_count"].tolist() == [1, 2, 0, 0, 0, 0, 0]


def test_waits(con):
    # Seen by 30 Jun, referred in the period: R01 10, R02 14, R04 20, R08 26 days.
    # Median (14 + 20) / 2 = 17. 90th percentile (linear): position 0.9 * 3 = 2.7 ->
    # 20 + 0.7 * (26 - 20) = 24.2. All four within 28 days.
    s = read(con, "wait_summary").iloc[0]
    assert s["seen_count"] == 4
    assert s["median_wait_days"] == pytest.approx(17)
    assert s["p90_wait_days"] == pytest.approx(24.2)
    assert s["within_28_days_pct"] == pytest.approx(100)
    # By month of referral: January R01 10, R02 14 -> median 12, p90 10 + 0.9 * 4 = 13.6.
    # March: R05 accepted, never seen -> still waiting 1; June: R14 (first contact 10 Jul).
    m = read(con, "waits_by_referral_month").set_index("month_start")
    jan = m.loc[pd.Timestamp("2026-01-01")]
    assert (jan["median_wait_days"], jan["p90_wait_days"]) == (
        pytest.approx(12),
        pytest.approx(13.6),
    )
    assert m["still_waiting_count"].tolist() == [0, 0, 1, 1, 0, 1]
    assert math.isnan(m.loc[pd.Timestamp("2026-05-01"), "median_wait_days"])


def test_people_waiting(con):
    # On 30 Jun: R05 (accepted, no contact) referred 2 Mar -> 120 days (17.1 weeks, 13-18);
    # R07 (awaiting triage) 1 Apr -> 90 days (12.9 weeks, 8-13); R14 (accepted, contact 10 Jul)
    # 20 Jun -> 10 days (under 2 weeks). R13 (5 Jul) is not yet referred.
    people = read(con, "people_waiting")
    assert people["referral_id"].tolist() == ["R05", "R07", "R14"]
    assert people["days_waiting"].tolist() == [120, 90, 10]
    assert people["waiting_for"].tolist() == ["first_contact", "triage", "first_contact"]
    bands = read(con, "people_waiting_by_band")
    nonzero = bands[bands["person_count"] > 0]
    assert set(zip(nonzero["wait_band"], nonzero["waiting_for"], strict=True)) == {
        ("13-18 weeks", "first_contact"),
        ("8-13 weeks", "triage"),
        ("Under 2 weeks", "first_contact"),
    }
    assert bands["person_count"].sum() == 3


def test_discharges_and_long_stays(con):
    # Discharged 1 Jan - 30 Jun: R01 goals met (15 May), R04 disengaged (10 Apr), R11 goals
    # met (20 Feb).
    d = read(con, "discharges_by_reason").set_index("discharge_reason")["discharge_count"]
    assert d.to_dict() == {"goals_met": 2, "disengaged": 1}
    # Active on 30 Jun: A86012 R02, R12; A86026 R08. R12 since 15 Sep 2024: 653 days =
    # 21.5 months > 18.
    long = read(con, "long_stays_by_practice").set_index("practice_code")
    assert long["active_count"].to_dict() == {"A86012": 2, "A86026": 1}
    assert long["over_18_months_count"].to_dict() == {"A86012": 1, "A86026": 0}
    people = read(con, "long_stay_people")
    assert people["referral_id"].tolist() == ["R12"]
    assert people["caseload_months"].iloc[0] == pytest.approx(653 / 30.4375, abs=0.05)
    # The last attended contact on or before the report date (C18, 2 Feb), not C19 (3 Jul).
    assert people["last_attended_contact_date"].iloc[0] == pd.Timestamp("2026-02-02")


def test_contacts(con):
    # Contacts 1 Jan - 30 Jun: C01-C15, C17, C18 = 17 (C16 Dec 2025 and C19 Jul 2026 out).
    # Face to face: C01 C02 C05 C06 C11 C12 C14 C18 = 8, attended 6 (C11, C12 DNA), minutes
    # 60 + 45 + 30 + 60 + 45 + 30 = 270. Phone: C03 (DNA) C04 C08 (cancelled) C10 C15 (DNA)
    # C17 = 6, attended 3.
    modes = read(con, "contacts_by_mode").set_index("mode")
    assert modes["contact_count"].sum() == 17
    assert modes.loc["face_to_face", "attended_count"] == 6
    assert modes.loc["face_to_face", "attended_minutes_total"] == 270
    assert modes.loc["phone", "cancelled_count"] == 1
    # DNA rate = DNA / (attended + DNA): 4 / (12 + 4) = 25% overall. February: C03 DNA, C06,
    # C07, C18 attended -> 1/4 = 25%; March: C04, C10 attended, C11 DNA, C08 cancelled -> 1/3.
    months = read(con, "contacts_by_month")
    assert months["dna_count"].sum() == 4 and months["attended_count"].sum() == 12
    assert months["dna_pct"].tolist()[1:3] == [pytest.approx(25.0), pytest.approx(100 / 3)]
    # W2 holds R04: contacts C10 (attended), C11 (DNA) in March, C12 (DNA) in April.
    workers = read(con, "contacts_by_worker_month")
    w2 = workers[workers["worker_id"] == "W2"]
    assert w2["contact_count"].tolist() == [0, 0, 2, 1, 0, 0]
    assert w2["attended_count"].tolist() == [0, 0, 1, 0, 0, 0]


def test_contacts_per_person(con):
    # Discharged in the period: R04 1 attended, R11 2, R01 4 -> bands 1-2: 2, 3-5: 1; median 2.
    df = read(con, "contacts_per_person")
    assert df["person_count"].tolist() == [0, 2, 1, 0, 0, 0]
    assert df["median_attended_contacts"].iloc[0] == pytest.approx(2)


def test_goals(con):
    # Agreed 1 Jan - 30 Jun: G1-G6 (G7 agreed Oct 2025). Getting active: G1 achieved (29 Jan
    # -> 30 Mar = 60 days), G3 open, G5 withdrawn -> 3 agreed, 2 closed, 1 achieved = 50%.
    # Benefits: G4 achieved in 30 days. Community groups: G2 partly achieved.
    df = read(con, "goals_by_domain").set_index("domain")
    ga = df.loc["getting_active"]
    assert (ga["goal_count"], ga["closed_count"], ga["achieved_count"]) == (3, 2, 1)
    assert ga["achieved_pct"] == pytest.approx(50)
    assert ga["median_days_to_achieve"] == pytest.approx(60)
    assert df.loc["community_groups", "partly_achieved_count"] == 1
    assert df["goal_count"].sum() == 6
    # Domains by condition: fibromyalgia plans R02 (getting active, benefits) and R08 (getting
    # active, healthy eating): getting active chosen by 2 of 2, benefits by 1 of 2.
    c = read(con, "goal_domains_by_condition")
    fib = c[c["condition"] == "fibromyalgia"].set_index("domain")
    assert fib.loc["getting_active", "chosen_pct"] == pytest.approx(100)
    assert fib.loc["benefits_welfare", "chosen_pct"] == pytest.approx(50)


def test_filters_change_the_answer(con):
    # Condition filter: chronic_pain_msk referrals in the period are R01 R04 R05 R07 R10 R14.
    f = Filters(
        start_date=PERIOD.start_date, end_date=PERIOD.end_date, conditions=("chronic_pain_msk",)
    )
    assert read(con, "referrals_by_month", f)["referral_count"].sum() == 6
    # Practice filter: A86017 only -> R04 R05 R09 R14.
    f = Filters(start_date=PERIOD.start_date, end_date=PERIOD.end_date, practice_codes=("A86017",))
    assert read(con, "referrals_by_practice_month", f)["referral_count"].sum() == 4
    assert set(read(con, "referrals_by_practice_month", f)["practice_code"]) == {"A86017"}
    # PCN filter U87170 (A86026 and the comparison practice): R06, R08.
    f = Filters(start_date=PERIOD.start_date, end_date=PERIOD.end_date, pcn_codes=("U87170",))
    assert read(con, "triage_funnel", f).set_index("stage").loc["referred", "referral_count"] == 2
    # A viewer limited to A86026 never sees A86012's waiting list.
    own = Scope(role="practice", practice_codes=("A86026",))
    assert read(con, "people_waiting", scope=own).empty


@pytest.mark.parametrize("name", SERVICE_QUERIES)
def test_publishable_scope(con, name):
    # Every aggregate query runs under disclosure control with its header's columns present;
    # identifiable ones are refused. Counts shown are 0 or multiples of 5 (or suppressed).
    if db.query_header(name).get("level") == "identifiable":
        with pytest.raises(access.ScopeError):
            read(con, name, scope=PUBLISHABLE)
        return
    df = read(con, name, scope=PUBLISHABLE)
    for col in [c for c in df.columns if c.endswith("_count")]:
        shown = df[col].dropna()
        assert (shown % 5 == 0).all(), col
    if name == "wait_summary":
        # 4 people seen: the median and 90th percentile describe too few to publish.
        assert pd.isna(df["median_wait_days"].iloc[0])
        assert pd.isna(df["seen_count"].iloc[0])


def test_derive_runs_on_an_empty_file(tmp_path):
    # The importer runs the derive step after every batch, including the very first.
    con = duckdb.connect(str(tmp_path / "empty.duckdb"))
    db.ensure_schema(con)
    con.execute(db.load_query("derive_referral_facts"))
    assert con.execute("select count(*) from referral_facts").fetchone()[0] == 0
    con.close()


def test_fixture_folder_is_complete():
    for table in ["practices", "link_workers", "patients", "referrals", "contacts", "goals"]:
        assert (Path(FIXTURES) / "service" / f"{table}.csv").exists()


def test_totals_for_the_whole_selection(con):
    # Contacts 1 Jan - 30 Jun (test_contacts): 17, attended 12, DNA 4, cancelled 1 (C08);
    # booked = 12 + 4 = 16; DNA rate 4 / 16 = 25%, the same as adding up the months.
    contacts = read(con, "contact_totals").iloc[0]
    assert (contacts["contact_count"], contacts["attended_count"]) == (17, 12)
    assert (contacts["dna_count"], contacts["booked_count"]) == (4, 16)
    assert contacts["dna_pct"] == pytest.approx(25.0)
    # Goals G1-G6 (test_goals): closed G1 (achieved), G5 (withdrawn), G4 (achieved), G2
    # (partly achieved) = 4; achieved 2 -> 50%.
    goals = read(con, "goal_totals").iloc[0]
    assert (goals["goal_count"], goals["closed_count"], goals["achieved_count"]) == (6, 4, 2)
    assert goals["partly_achieved_count"] == 1
    assert goals["achieved_pct"] == pytest.approx(50.0)
    # Referrer roles over the period (test_referral_mix_by_quarter): gp 3 + 3 = 6, self 2,
    # nurse, physiotherapist, pharmacist 1 each, of 11; conditions 6/2/2/1.
    mix = read(con, "referrals_by_referrer_and_condition")
    roles = mix[mix["dimension"] == "referrer_role"].set_index("category")
    assert roles["referral_count"].to_dict() == {
        "gp": 6,
        "self": 2,
        "nurse": 1,
        "pharmacist": 1,
        "physiotherapist": 1,
    }
    assert roles.loc["self", "share_pct"] == pytest.approx(100 * 2 / 11)
    conditions = mix[mix["dimension"] == "condition"].set_index("category")["referral_count"]
    assert conditions.to_dict() == {"chronic_pain_msk": 6, "fibromyalgia": 2, "ibs": 2, "other": 1}
    assert (mix["total_referral_count"] == 11).all()


def test_totals_publishable(con):
    # Publishable: 11 referrals -> 10; gp 6 -> "*", so its share is "*" too; 17 contacts ->
    # 15, 16 booked -> 15, 12 attended -> 10, 4 DNA -> "*" and so no DNA rate.
    mix = read(con, "referrals_by_referrer_and_condition", scope=PUBLISHABLE)
    assert (mix["total_referral_count"] == 10).all()
    assert mix["referral_count"].isna().all() and mix["share_pct"].isna().all()
    contacts = read(con, "contact_totals", scope=PUBLISHABLE).iloc[0]
    assert (contacts["contact_count"], contacts["booked_count"]) == (15, 15)
    assert pd.isna(contacts["dna_count"]) and pd.isna(contacts["dna_pct"])
