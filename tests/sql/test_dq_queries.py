"""The Data quality page's queries (queries/dq_*.sql) on a tiny hand-built world, with every
expected figure worked out by hand below.

The world (period 1 Apr 2025 to 31 Mar 2026; report date and "today" 31 Mar 2026):

practices A86012 (PCN U44695), A86026 (PCN U87170); link workers W1, W2.
patients  P1 A86012 b.1980 imd 3 | P2 A86012 b.2010 | P3 A86012 b.1970 imd 5 |
          P4 A86026 b.1960 | P5 A86012 b.1990
referrals (date, triage, worker, first contact, action plan, discharge, symptom months):
  R1 P1 2025-05-01 accepted W1 fc 2025-05-20 ap 2025-06-01 open          12  chronic_pain_msk
  R2 P2 2025-06-01 accepted -- fc 2025-06-20 ap --         open           2  ibs
  R3 P3 2025-07-01 accepted W1 fc --         ap --         2025-09-01    --  fibromyalgia
  R4 P4 2026-01-10 (awaiting triage)                                      --  (none)
  R5 P5 2026-03-25 (awaiting triage)                                      --  ibs
  R6 P5 2026-01-05 accepted W2 fc --         (waiting)     open          40  chronic_pain_msk
  R7 P1 2025-02-01 accepted W1 fc 2025-02-10 ap 2025-03-01 2025-04-15    10  chronic_pain_msk
  R8 P4 2025-10-01 not_eligible                                           --  other
contacts: R1 attended 2025-05-20, 2025-12-01 | R2 attended 2026-03-15 |
          R3 attended 2025-07-10, dna 2025-09-10 (after discharge) |
          R7 attended 2025-02-10, 2025-04-10
assessments: R1 PSEQ 2025-05-20 (10 items), PSEQ 2025-11-01 (10 items of 4, total 40),
             SWEMWBS 2025-05-20 (5 of 7 items: incomplete) | R2 PSEQ 2025-06-20 (10 items) |
             R3 PSEQ 2025-07-10 (10 items), PSEQ 2025-08-01 (3 items: incomplete) |
             R6 WBSTAR 2026-02-01 (8 items)
healthcare_use: P1 2026-02.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from wellpath import access, contract, db
from wellpath.scope import FULL_ACCESS, PUBLISHABLE, Filters, Scope

START, END = dt.date(2025, 4, 1), dt.date(2026, 3, 31)
FILTERS = Filters(start_date=START, end_date=END)


def _items(values: list[int | None]) -> list[int | None]:
    return (values + [None] * 14)[:14]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    db.ensure_schema(con)
    con.execute(
        """
        insert into practices values
            ('A86012', 'West Road Medical Centre', 'U44695', null, 10700, 'pilot'),
            ('A86026', 'Throckley Primary Care Centre', 'U87170', null, 6900, 'pilot');
        insert into link_workers values
            ('W1', 'Ann', 'link_worker', 1.0, '2024-01-01', null),
            ('W2', 'Bob', 'link_worker', 0.6, '2024-01-01', null);
        insert into patients values
            ('P1', 'A86012', 1980, 'female', 'white', 3, 'referred'),
            ('P2', 'A86012', 2010, 'male', null, null, 'referred'),
            ('P3', 'A86012', 1970, 'female', 'asian', 5, 'referred'),
            ('P4', 'A86026', 1960, 'male', 'white', null, 'referred'),
            ('P5', 'A86012', 1990, 'female', 'black', null, 'referred');
        insert into referrals values
            ('R1','P1','A86012','2025-05-01','gp','chronic_pain_msk',12,'accepted','2025-05-05','W1','2025-05-20','2025-06-01',null,null),
            ('R2','P2','A86012','2025-06-01','gp','ibs',2,'accepted','2025-06-03',null,'2025-06-20',null,null,null),
            ('R3','P3','A86012','2025-07-01','gp','fibromyalgia',null,'accepted','2025-07-02','W1',null,null,'2025-09-01','goals_met'),
            ('R4','P4','A86026','2026-01-10','nurse',null,null,null,null,null,null,null,null,null),
            ('R5','P5','A86012','2026-03-25','gp','ibs',null,null,null,null,null,null,null,null),
            ('R6','P5','A86012','2026-01-05','gp','chronic_pain_msk',40,'accepted','2026-01-08','W2',null,null,null,null),
            ('R7','P1','A86012','2025-02-01','gp','chronic_pain_msk',10,'accepted','2025-02-03','W1','2025-02-10','2025-03-01','2025-04-15','goals_met'),
            ('R8','P4','A86026','2025-10-01','gp','other',6,'not_eligible','2025-10-03',null,null,null,null,null);
        insert into contacts values
            ('C1','R1','2025-05-20','face_to_face',60,'attended'),
            ('C2','R1','2025-12-01','phone',30,'attended'),
            ('C3','R2','2026-03-15','phone',30,'attended'),
            ('C4','R3','2025-07-10','face_to_face',45,'attended'),
            ('C5','R3','2025-09-10','phone',null,'dna'),
            ('C6','R7','2025-02-10','face_to_face',60,'attended'),
            ('C7','R7','2025-04-10','phone',20,'attended');
        insert into healthcare_use values ('P1', '2026-02-01', 1, 0, 0, 0);
        """
    )
    forms = [
        ("S1", "R1", "PSEQ", "2025-05-20", _items([2] * 10), None),
        ("S2", "R1", "PSEQ", "2025-11-01", _items([4] * 10), 40),
        ("S3", "R1", "SWEMWBS", "2025-05-20", _items([3] * 5), None),
        ("S4", "R2", "PSEQ", "2025-06-20", _items([3] * 10), None),
        ("S5", "R3", "PSEQ", "2025-07-10", _items([1] * 10), None),
        ("S6", "R3", "PSEQ", "2025-08-01", _items([2] * 3), None),
        ("S7", "R6", "WBSTAR", "2026-02-01", _items([5] * 8), None),
    ]
    for aid, rid, instrument, date, items, total in forms:
        con.execute(
            "insert into assessments values (?, ?, ?, ?, " + ", ".join("?" * 14) + ", ?)",
            [aid, rid, instrument, date, *items, total],
        )
    # Derived tables (assessment_scores: completeness, baseline order) as the importer builds.
    db.apply_derived(con)
    con.execute(
        """
        -- the last value: snapshot_id (a DuckLake's; NULL in a DuckDB file)
        insert into import_batches values
            ('B1', '2025-04-01 09:00', 'demo world', null, '{"referrals": 1}', '{}', 1, 0,
             'loaded', 'wellpath demo', true, null),
            ('B2', '2026-03-30 14:05', 'march.zip', null,
             '{"referrals": 7, "contacts": 7}', '{"referrals": 2, "patients": 1}', 14, 3,
             'loaded_with_rejections', 'pm', false, null);
        insert into rejected_rows values
            ('B2', 'referrals', 3, 'referral_date', '31/02/2025', 'is not a real date', '{}'),
            ('B2', 'referrals', 3, 'condition', 'back', 'is not one of the listed codes', '{}'),
            ('B2', 'referrals', 5, 'referral_date', '2025-13-01', 'is not a real date', '{}'),
            ('B2', 'patients', 2, 'patient_id', '943 476 5919', 'is an NHS number', '{}'),
            ('B2', 'contacts', 4, 'referral_id', 'R9', 'its referral R9 was rejected', '{}'),
            ('B2', 'contacts', 6, 'referral_id', 'R10', 'its referral R10 was rejected', '{}'),
            ('B2', 'contacts', 7, 'contact_date', '2025-05-12',
             'contact_date 2025-05-12 is before the referral_date of its referral (2026-02-26)',
             '{}'),
            ('B1', 'referrals', 1, 'referral_date', 'x', 'is not a real date', '{}');
        """
    )
    return con


PRACTICES = pd.DataFrame({"practice_code": ["A86012", "A86026"], "pcn_code": ["U44695", "U87170"]})


def read(con, name: str, scope: Scope = FULL_ACCESS, filters: Filters = FILTERS, **extra):
    # the eligibility rule, as the Data quality view binds it (wellpath.contract)
    return access.read(con, name, scope, filters, PRACTICES, contract.eligibility_params() | extra)


def test_consistency_checks(con) -> None:
    out = read(con, "dq_consistency_checks").set_index("check_id")
    expected = {
        # accepted and referred in the period: R1 R2 R3 R6; no worker: R2
        "accepted_no_worker": (4, 1),
        # not triaged on 31 Mar 2026: R4 (10 Jan), R5 (25 Mar); over 14 days: R4
        "awaiting_triage_over_14_days": (2, 1),
        # accepted, no first contact, not discharged: R6 (5 Jan, > 42 days); R3 is discharged
        "waiting_first_contact_over_42_days": (1, 1),
        # active on 31 Mar: R1, R2; R1's last contact 1 Dec 2025 is before 31 Dec 2025
        "open_no_contact_90_days": (2, 1),
        # active and first seen before 3 Feb 2026: R1, R2; no action plan: R2
        "no_action_plan_after_8_weeks": (2, 1),
        # referred in the period with an attended contact: R1 R2 R3; no first contact date: R3
        "attended_but_no_first_contact_date": (3, 1),
        # referred in the period, first contact recorded, an attended contact: R1 R2; neither
        # has an attended contact before its first contact date
        "attended_before_first_contact_date": (2, 0),
        # discharged in the period: R3 (1 Sep), R7 (15 Apr); R3 has a contact on 10 Sep
        "contact_after_discharge": (2, 1),
        # referred in the period with an action plan: R1, which has a first contact
        "action_plan_without_first_contact": (1, 0),
        # referred in the period: R1-R6, R8; nothing dated before its referral
        "record_before_referral": (7, 0),
        # accepted in the period: R1 R2 R3 R6; R2 aged 15 with 2 months, R6 40 months
        "accepted_outside_eligibility": (4, 2),
    }
    assert list(out.index) == list(expected)
    for check_id, (population, flagged) in expected.items():
        assert out.loc[check_id, "population_count"] == population, check_id
        assert out.loc[check_id, "flagged_count"] == flagged, check_id
    assert out.loc["accepted_outside_eligibility", "flagged_pct"] == 50.0
    assert out.loc["attended_but_no_first_contact_date", "flagged_pct"] == pytest.approx(33.3)


def test_consistency_referrals_agree_with_the_counts(con) -> None:
    counts = read(con, "dq_consistency_checks").set_index("check_id")["flagged_count"]
    listed = read(con, "dq_consistency_referrals")
    assert listed.groupby("check_id").size().reindex(counts.index, fill_value=0).tolist() == (
        counts.tolist()
    )
    flagged = set(zip(listed["check_id"], listed["referral_id"], strict=True))
    assert ("accepted_outside_eligibility", "R2") in flagged
    assert ("accepted_outside_eligibility", "R6") in flagged
    assert ("contact_after_discharge", "R3") in flagged
    assert ("open_no_contact_90_days", "R1") in flagged


def test_consistency_checks_honour_practice_filter(con) -> None:
    only = Filters(START, END, practice_codes=("A86026",))
    out = read(con, "dq_consistency_checks", filters=only).set_index("check_id")
    # A86026 has R4 (awaiting since 10 Jan) and R8 (not eligible) only.
    assert out.loc["awaiting_triage_over_14_days", "flagged_count"] == 1
    assert out["flagged_count"].sum() == 1
    assert out.loc["accepted_no_worker", "population_count"] == 0


def test_identifiable_lists_refused_for_publishable_figures(con) -> None:
    for name in ("dq_consistency_referrals", "dq_rejected_rows"):
        with pytest.raises(access.ScopeError):
            read(con, name, scope=PUBLISHABLE, batch_id=None)


def test_followup_coverage(con) -> None:
    out = read(con, "dq_followup_coverage").set_index("instrument")
    # Engaged (accepted, an attended contact, referred in the period): R1 R2 R3. R6 has no
    # contact, so its WBSTAR form does not appear; R7 was referred before the period.
    assert list(out.index) == ["PSEQ", "SWEMWBS"]
    pseq = out.loc["PSEQ"]
    assert pseq["engaged_count"] == 3
    assert pseq["baseline_count"] == 3  # R1, R2, R3
    assert pseq["followup_count"] == 1  # R1 (R3's later form is incomplete)
    assert pseq["discharged_without_followup_count"] == 1  # R3, discharged 1 Sep 2025
    assert pseq["incomplete_form_count"] == 1  # R3's 3-item form
    assert pseq["baseline_pct"] == 100.0
    assert pseq["followup_pct"] == pytest.approx(33.3)
    swemwbs = out.loc["SWEMWBS"]
    # R1's only SWEMWBS form has 5 of 7 items: no baseline, one incomplete form.
    assert swemwbs["baseline_count"] == 0
    assert swemwbs["incomplete_form_count"] == 1
    assert swemwbs["baseline_pct"] == 0.0
    assert pd.isna(swemwbs["followup_pct"])


def test_field_completeness(con) -> None:
    out = read(con, "dq_field_completeness").set_index(["table_name", "column_name"])
    # Referrals in the period: R1 R2 R3 R4 R5 R6 R8 = 7 (R7 is before it).
    assert out.loc[("referrals", "referral_id"), "row_count"] == 7
    assert out.loc[("referrals", "referral_id"), "filled_pct"] == 100.0
    assert out.loc[("referrals", "worker_id"), "filled_count"] == 3  # R1 R3 R6
    assert out.loc[("referrals", "worker_id"), "filled_pct"] == pytest.approx(42.9)
    assert out.loc[("referrals", "condition"), "filled_count"] == 6  # all but R4
    assert out.loc[("referrals", "first_contact_date"), "filled_count"] == 2  # R1 R2
    # Their patients: P1 P2 P3 P4 P5; IMD decile given for P1, P3 -> 2/5 = 40%.
    assert out.loc[("patients", "imd_decile"), "row_count"] == 5
    assert out.loc[("patients", "imd_decile"), "filled_pct"] == 40.0
    # Contacts dated in the period: C1..C5 and C7 (C6 is Feb 2025) = 6; minutes missing on C5.
    assert out.loc[("contacts", "minutes"), "row_count"] == 6
    assert out.loc[("contacts", "minutes"), "filled_count"] == 5
    # Questionnaires: S1..S7 = 7; complete forms S1 S2 S4 S5 S7 = 5; a total on S2 only.
    assert out.loc[("assessments", "items"), "row_count"] == 7
    assert out.loc[("assessments", "items"), "filled_count"] == 5
    assert out.loc[("assessments", "total"), "filled_count"] == 1
    assert out.loc[("healthcare_use", "gp_appointments"), "row_count"] == 1
    assert out.loc[("practices", "pcn_name"), "filled_pct"] == 0.0
    # Tables come in the contract's order, fields in their column order.
    tables = list(dict.fromkeys(out.index.get_level_values(0)))
    assert tables == [
        "practices",
        "link_workers",
        "patients",
        "referrals",
        "contacts",
        "goals",
        "assessments",
        "healthcare_use",
        "prescriptions",
    ]
    referral_fields = [c for t, c in out.index if t == "referrals"]
    assert referral_fields[:4] == ["referral_id", "patient_id", "practice_code", "referral_date"]


def test_field_completeness_with_filters(con) -> None:
    ibs = Filters(START, END, conditions=("ibs",))
    out = read(con, "dq_field_completeness", filters=ibs).set_index(["table_name", "column_name"])
    # IBS referrals in the period: R2, R5. Their patients P2, P5: no IMD decile.
    assert out.loc[("referrals", "referral_id"), "row_count"] == 2
    assert out.loc[("patients", "imd_decile"), "filled_count"] == 0
    # P1 has no IBS referral, so its healthcare use is out of view.
    assert out.loc[("healthcare_use", "month"), "row_count"] == 0


def test_field_completeness_rounded_for_publishable_figures(con) -> None:
    out = read(con, "dq_field_completeness", scope=PUBLISHABLE).set_index(
        ["table_name", "column_name"]
    )
    # 7 referral rows and 3 workers given: both 1-7, so suppressed, and so is the percentage.
    assert pd.isna(out.loc[("referrals", "worker_id"), "filled_count"])
    assert pd.isna(out.loc[("referrals", "worker_id"), "filled_pct"])


def test_data_freshness(con) -> None:
    out = read(con, "dq_data_freshness", today=END).set_index(["practice_code", "table_name"])
    assert len(out) == 10  # 2 practices x 5 kinds of record
    # A86012: latest referral R5 25 Mar 2026 -> 6 days before 31 Mar.
    assert out.loc[("A86012", "referrals"), "days_since_latest"] == 6
    # Latest contact C3 15 Mar -> 16 days; latest form S7 1 Feb -> 58 days.
    assert out.loc[("A86012", "contacts"), "days_since_latest"] == 16
    assert out.loc[("A86012", "assessments"), "days_since_latest"] == 58
    assert out.loc[("A86012", "healthcare_use"), "days_since_latest"] == 58  # 1 Feb 2026
    # A86026: R4 10 Jan -> 80 days; no contacts at all.
    assert out.loc[("A86026", "referrals"), "days_since_latest"] == 80
    assert pd.isna(out.loc[("A86026", "contacts"), "latest_date"])


def test_import_log(con) -> None:
    batches = read(con, "import_history")  # the import log, on Data quality and Import data
    assert batches["batch_id"].tolist() == ["B2", "B1"]  # newest first
    assert batches.loc[0, "rows_rejected"] == 3
    tables = read(con, "dq_import_tables", batch_id="B2")
    assert tables.to_dict("records") == [
        {"table_name": "patients", "rows_loaded": 0, "rows_rejected": 1},
        {"table_name": "referrals", "rows_loaded": 7, "rows_rejected": 2},
        {"table_name": "contacts", "rows_loaded": 7, "rows_rejected": 0},
    ]


def test_rejections_by_rule(con) -> None:
    out = read(con, "dq_rejections_by_rule", batch_id="B2")
    assert out[["table_name", "column_name", "rule", "rows_rejected"]].values.tolist() == [
        ["patients", "patient_id", "is an NHS number", 1],
        ["referrals", "referral_date", "is not a real date", 2],  # rows 3 and 5
        ["referrals", "condition", "is not one of the listed codes", 1],
        # The values and dates quoted in the sentences are blanked, so rows 4 and 6 count
        # under one rule and no pseudonym or date shows.
        ["contacts", "referral_id", "its referral … was rejected", 2],
        [
            "contacts",
            "contact_date",
            "contact_date … is before the referral_date of its referral (…)",
            1,
        ],
    ]
    every = read(con, "dq_rejections_by_rule", batch_id=None)
    # Across both batches: B2 rows 3, 5 and B1 row 1 broke the date rule.
    dates = every[every["rule"] == "is not a real date"]
    assert dates["rows_rejected"].tolist() == [3]


def test_rejected_rows_only_for_viewers_of_every_practice(con) -> None:
    rows = read(con, "dq_rejected_rows", batch_id="B2")
    assert len(rows) == 7  # one per rule broken
    # A practice manager for one practice, or anyone filtering to one, gets no rows.
    manager = Scope(role="practice_manager", practice_codes=("A86012",))
    assert read(con, "dq_rejected_rows", scope=manager, batch_id="B2").empty
    filtered = Filters(START, END, practice_codes=("A86012",))
    assert read(con, "dq_rejected_rows", filters=filtered, batch_id="B2").empty


def test_eligibility_is_a_bound_parameter(con) -> None:
    """The rule comes from wellpath.contract, not from the SQL: a wider symptom range (to
    40 months) clears R6 (40 months); R2 is still flagged (aged 15)."""
    wider = contract.eligibility_params() | {"max_symptom_months": 40}
    out = read(con, "dq_consistency_checks", **wider).set_index("check_id")
    assert out.loc["accepted_outside_eligibility", "flagged_count"] == 1
    assert "between 3 and 36" not in db.load_query("dq_consistency_checks")


@pytest.fixture(scope="module")
def contradictions() -> duckdb.DuckDBPyConnection:
    """Records that contradict each other across tables (period Apr 2025 to Mar 2026):
    X1 first contact recorded 10 Jun but attended 1 Jun (the wait reads 40 days, not 31);
    X2 an action plan on 1 Jul and no first contact; X3 a goal agreed 1 May, before its
    referral on 1 Jun; X4 a questionnaire on 20 May, before its referral on 1 Jun;
    X5 consistent (referred 1 May, first seen and attended 20 May, plan 1 Jun)."""
    con = duckdb.connect()
    db.ensure_schema(con)
    con.execute(
        """
        insert into practices values
            ('A86012', 'West Road Medical Centre', 'U44695', null, 10700, 'pilot');
        insert into patients values ('Q1', 'A86012', 1980, 'female', 'white', 3, 'referred');
        insert into referrals values
            ('X1','Q1','A86012','2025-05-01','gp','ibs',12,'accepted','2025-05-02','W1','2025-06-10',null,null,null),
            ('X2','Q1','A86012','2025-05-01','gp','ibs',12,'accepted','2025-05-02','W1',null,'2025-07-01',null,null),
            ('X3','Q1','A86012','2025-06-01','gp','ibs',12,'accepted','2025-06-02','W1','2025-06-05',null,null,null),
            ('X4','Q1','A86012','2025-06-01','gp','ibs',12,'accepted','2025-06-02','W1','2025-06-05',null,null,null),
            ('X5','Q1','A86012','2025-05-01','gp','ibs',12,'accepted','2025-05-02','W1','2025-05-20','2025-06-01',null,null);
        insert into contacts values
            ('K1','X1','2025-06-01','phone',30,'attended'),
            ('K2','X1','2025-06-10','phone',30,'attended'),
            ('K3','X3','2025-06-05','phone',30,'attended'),
            ('K5','X5','2025-05-20','phone',30,'attended');
        insert into goals values ('G1','X3','getting_active','2025-05-01','open',null,null);
        """
    )
    con.execute(
        "insert into assessments values ('F1','X4','PSEQ','2025-05-20', "
        + ", ".join(["2"] * 10 + ["null"] * 4)
        + ", null)"
    )
    db.apply_derived(con)
    return con


def test_contradictions_between_tables(contradictions) -> None:
    practices = PRACTICES.iloc[:1]
    got = access.read(
        contradictions,
        "dq_consistency_checks",
        FULL_ACCESS,
        FILTERS,
        practices,
        contract.eligibility_params(),
    ).set_index("check_id")
    # first contact recorded and attended: X1 X3 X5; attended earlier than recorded: X1
    assert tuple(
        got.loc["attended_before_first_contact_date", ["population_count", "flagged_count"]]
    ) == (3, 1)
    # an action plan by the report date: X2 X5; no first contact: X2
    assert tuple(
        got.loc["action_plan_without_first_contact", ["population_count", "flagged_count"]]
    ) == (2, 1)
    # all five referred in the period; a goal (X3) and a form (X4) before the referral
    assert tuple(got.loc["record_before_referral", ["population_count", "flagged_count"]]) == (5, 2)
    listed = access.read(
        contradictions,
        "dq_consistency_referrals",
        FULL_ACCESS,
        FILTERS,
        practices,
        contract.eligibility_params(),
    )
    pairs = set(zip(listed["check_id"], listed["referral_id"], strict=True))
    assert {
        ("attended_before_first_contact_date", "X1"),
        ("action_plan_without_first_contact", "X2"),
        ("record_before_referral", "X3"),
        ("record_before_referral", "X4"),
    } <= pairs
    assert not any(ref == "X5" for _, ref in pairs if _ != "open_no_contact_90_days")
