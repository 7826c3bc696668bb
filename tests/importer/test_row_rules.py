"""One failing row per contract rule: the row is rejected with its reason, the rest load.

Each case appends to the valid batch one row that is good in every way but one, so the
expected outcome is obvious: that table gets exactly one rejected row (row number = the
base rows + 1), listed with the column and a rule sentence that says what is wrong, and
every base row still loads.
"""

from __future__ import annotations

import pytest
from importer_helpers import BASE_ROWS, append_row, raw, rejected, rows

from wellpath import contract
from wellpath.importer import import_batch

GOOD = {
    "practices": {
        "practice_code": "A86099",
        "practice_name": "New Surgery",
        "pcn_code": "U44695",
        "pcn_name": "Central PCN",
        "list_size": "5000",
        "role": "pilot",
    },
    "link_workers": {
        "worker_id": "W2",
        "display_name": "Alex Kay",
        "job_role": "link_worker",
        "fte": "0.8",
        "start_date": "2024-01-01",
        "end_date": "",
    },
    "patients": {
        "patient_id": "P3",
        "practice_code": "A86012",
        "birth_year": "1970",
        "sex": "female",
        "ethnic_group": "white",
        "imd_decile": "5",
        "cohort": "referred",
    },
    "referrals": {
        "referral_id": "R3",
        "patient_id": "P1",
        "practice_code": "A86012",
        "referral_date": "2025-03-01",
        "referrer_role": "gp",
        "condition": "ibs",
        "symptom_months": "6",
        "triage_outcome": "accepted",
        "triage_date": "2025-03-02",
        "worker_id": "W1",
        "first_contact_date": "2025-03-05",
        "action_plan_date": "2025-03-10",
        "discharge_date": "2025-06-01",
        "discharge_reason": "goals_met",
    },
    "contacts": {
        "contact_id": "C3",
        "referral_id": "R1",
        "contact_date": "2025-03-01",
        "mode": "phone",
        "minutes": "30",
        "attendance": "attended",
    },
    "goals": {
        "goal_id": "G2",
        "referral_id": "R1",
        "domain": "relationships",
        "agreed_date": "2025-02-01",
        "status": "achieved",
        "closed_date": "2025-04-01",
    },
    "assessments": {
        "assessment_id": "A3",
        "referral_id": "R1",
        "instrument": "PSEQ2",
        "assessment_date": "2025-01-20",
        **{c: "" for c in contract.ITEM_COLUMNS},
        "item_01": "3",
        "item_02": "4",
        "total": "7",
    },
    "healthcare_use": {
        "patient_id": "P2",
        "month": "2024-12",
        "gp_appointments": "1",
        "ae_attendances": "0",
        "outpatient_attendances": "0",
        "nonelective_admissions": "0",
    },
    "prescriptions": {
        "patient_id": "P2",
        "month": "2024-12",
        "opioid_items": "0",
        "gabapentinoid_items": "0",
        "antidepressant_items": "1",
    },
}


def line(table: str, **changes: str) -> str:
    values = {**GOOD[table], **changes}
    # Version-1 columns only (the valid batch is a version-1 batch): GOOD has no barrier.
    return ",".join(values[c] for c in contract.table(table).column_names if c in values)


# (table, changes, column, fragment of the rule sentence)
CASES = [
    ("practices", {"practice_code": "86012A"}, "practice_code", "is not an ODS practice code"),
    ("practices", {"practice_name": ""}, "practice_name", "practice_name is empty; it is required"),
    ("practices", {"list_size": "-1"}, "list_size", "list_size is -1; it must be at least 0"),
    ("practices", {"list_size": "5000.5"}, "list_size", "'5000.5' is not a whole number"),
    ("practices", {"role": "trial"}, "role", "'trial' is not one of the codes: pilot, comparison"),
    ("link_workers", {"fte": "0"}, "fte", "fte is 0; it must be more than 0 and at most 1.5"),
    ("link_workers", {"fte": "1.6"}, "fte", "fte is 1.6; it must be more than 0 and at most 1.5"),
    ("link_workers", {"fte": "full"}, "fte", "'full' is not a number"),
    ("link_workers", {"end_date": "2023-12-31"}, "end_date", "is before start_date 2024-01-01"),
    ("link_workers", {"start_date": ""}, "start_date", "start_date is empty; it is required"),
    ("link_workers", {"job_role": "manager"}, "job_role", "'manager' is not one of the codes"),
    ("link_workers", {"worker_id": "W" * 65}, "worker_id", "65 characters long; identifiers"),
    # 943 476 5919: weights 10..2 on 9,4,3,4,7,6,5,9,1 give 90+36+24+28+42+30+20+27+2 = 299;
    # 299 mod 11 = 2; 11 - 2 = 9 = the last digit, so it is a valid NHS number.
    ("patients", {"patient_id": "943 476 5919"}, "patient_id", "is a valid NHS number"),
    ("patients", {"patient_id": "9434765919"}, "patient_id", "never an NHS number"),
    ("patients", {"practice_code": "B12345"}, "practice_code", "B12345 is not in practices.csv"),
    (
        "patients",
        {"birth_year": "1899"},
        "birth_year",
        "birth_year is 1899; it must be at least 1900",
    ),
    ("patients", {"birth_year": "2999"}, "birth_year", "birth_year 2999 is after this year"),
    ("patients", {"imd_decile": "0"}, "imd_decile", "imd_decile is 0; it must be from 1 to 10"),
    ("patients", {"imd_decile": "11"}, "imd_decile", "imd_decile is 11; it must be from 1 to 10"),
    ("patients", {"sex": "f"}, "sex", "'f' is not one of the codes: female, male, other, unknown"),
    ("patients", {"ethnic_group": "british"}, "ethnic_group", "is not one of the codes"),
    ("patients", {"cohort": "control"}, "cohort", "'control' is not one of the codes"),
    ("referrals", {"referral_date": "2999-01-01"}, "referral_date", "is in the future"),
    (
        "referrals",
        {"referral_date": "31/02/2025"},
        "referral_date",
        "referral_date 31/02/2025 is not a real date; use YYYY-MM-DD or DD/MM/YYYY",
    ),
    ("referrals", {"referral_date": "2025-13-01"}, "referral_date", "is not a real date"),
    ("referrals", {"referral_date": "02/30/2025"}, "referral_date", "is not a real date"),
    (
        "referrals",
        {"referral_date": "3 Apr 24"},
        "referral_date",
        "referral_date 3 Apr 24 is not a date in the form YYYY-MM-DD or DD/MM/YYYY",
    ),
    ("referrals", {"referral_date": ""}, "referral_date", "referral_date is empty"),
    ("referrals", {"triage_date": "2025-02-28"}, "triage_date", "is before referral_date"),
    (
        "referrals",
        {"first_contact_date": "2025-02-28", "triage_date": "", "action_plan_date": ""},
        "first_contact_date",
        "first_contact_date 2025-02-28 is before referral_date 2025-03-01",
    ),
    (
        "referrals",
        {"action_plan_date": "2025-03-04"},
        "action_plan_date",
        "action_plan_date 2025-03-04 is before first_contact_date 2025-03-05",
    ),
    ("referrals", {"discharge_date": "2025-02-01"}, "discharge_date", "is before referral_date"),
    (
        "referrals",
        {"discharge_reason": ""},
        "discharge_reason",
        "discharge_reason is empty; it is required when discharge_date is given",
    ),
    ("referrals", {"patient_id": "P9"}, "patient_id", "patient_id P9 is not in patients.csv"),
    ("referrals", {"worker_id": "W9"}, "worker_id", "worker_id W9 is not in link_workers.csv"),
    ("referrals", {"practice_code": "A99999"}, "practice_code", "is not in practices.csv"),
    ("referrals", {"symptom_months": "-1"}, "symptom_months", "it must be at least 0"),
    ("referrals", {"referrer_role": "dentist"}, "referrer_role", "'dentist' is not one of"),
    ("referrals", {"condition": "migraine"}, "condition", "'migraine' is not one of"),
    ("referrals", {"triage_outcome": "maybe"}, "triage_outcome", "'maybe' is not one of"),
    ("referrals", {"discharge_reason": "bored"}, "discharge_reason", "'bored' is not one of"),
    ("contacts", {"referral_id": "R9"}, "referral_id", "referral_id R9 is not in referrals.csv"),
    (
        "contacts",
        {"contact_date": "2025-01-09"},
        "contact_date",
        "contact_date 2025-01-09 is before the referral_date of its referral (2025-01-10)",
    ),
    ("contacts", {"contact_date": ""}, "contact_date", "contact_date is empty; it is required"),
    ("contacts", {"minutes": "481"}, "minutes", "minutes is 481; it must be from 0 to 480"),
    ("contacts", {"minutes": "-5"}, "minutes", "minutes is -5; it must be from 0 to 480"),
    ("contacts", {"mode": "carrier_pigeon"}, "mode", "is not one of the codes"),
    ("contacts", {"attendance": "late"}, "attendance", "'late' is not one of the codes"),
    (
        "goals",
        {"closed_date": ""},
        "closed_date",
        "closed_date is empty; it is required when status is achieved",
    ),
    ("goals", {"status": "done"}, "status", "'done' is not one of the codes"),
    ("goals", {"agreed_date": ""}, "agreed_date", "agreed_date is empty; it is required"),
    ("goals", {"domain": "sleep"}, "domain", "'sleep' is not one of the codes"),
    ("goals", {"referral_id": "R9"}, "referral_id", "is not in referrals.csv"),
    ("assessments", {"instrument": "PHQ9"}, "instrument", "'PHQ9' is not one of the codes"),
    ("assessments", {"instrument": ""}, "instrument", "instrument is empty; it is required"),
    (
        "assessments",
        {"item_01": "7", "total": ""},
        "item_01",
        "item_01 is 7; PSEQ2 items run from 0 to 6",
    ),
    ("assessments", {"item_03": "2"}, "item_03", "item_03 must be empty: PSEQ2 has 2 items"),
    ("assessments", {"total": "8"}, "total", "total 8 does not equal the sum of the items (7)"),
    (
        "assessments",
        {"total": "13", "item_01": "", "item_02": ""},
        "total",
        "PSEQ2 totals run from 0 to 12",
    ),
    (
        "assessments",
        {"assessment_date": "2025/01/20"},
        "assessment_date",
        "is not a date in the form",
    ),
    (
        "assessments",
        # SWEMWBS raw sum 3*7 = 21, sent as 22.
        {"instrument": "SWEMWBS", **{f"item_0{k}": "3" for k in range(1, 8)}, "total": "22"},
        "total",
        "total 22 does not equal the sum of the items (21)",
    ),
    (
        "assessments",
        # SWEMWBS items run 1-5: a 0 is out of range.
        {
            "instrument": "swemwbs",
            **{f"item_0{k}": "3" for k in range(1, 8)},
            "item_01": "0",
            "total": "",
        },
        "item_01",
        "item_01 is 0; SWEMWBS items run from 1 to 5",
    ),
    (
        "assessments",
        # PSFS activities 4, 6, 7: mean 17/3 = 5.67; a total of 6 is off by 0.33 (> 0.05).
        {"instrument": "PSFS", "item_01": "4", "item_02": "6", "item_03": "7", "total": "6"},
        "total",
        "total 6 does not equal the mean of the activities given (5.67)",
    ),
    (
        "assessments",
        {"instrument": "PSFS", "item_01": "4", "item_06": "5", "total": ""},
        "item_06",
        "item_06 must be empty: PSFS has 5 items",
    ),
    (
        "assessments",
        {"instrument": "ONS4", "item_03": "5", "item_04": "2", "total": "14"},
        "total",
        "total must be empty for ONS4",
    ),
    (
        "assessments",
        {"instrument": "ONS4", "item_01": "11", "total": ""},
        "item_01",
        "ONS4 items run from 0 to 10",
    ),
    (
        "assessments",
        {
            "instrument": "WBSTAR",
            **{f"item_0{k}": "5" for k in range(1, 9)},
            "item_09": "5",
            "total": "",
        },
        "item_09",
        "item_09 must be empty: WBSTAR has 8 items",
    ),
    (
        "assessments",
        {"instrument": "WEMWBS", **{f"item_{k:02d}": "2" for k in range(1, 15)}, "total": "29"},
        "total",
        "total 29 does not equal the sum of the items (28)",
    ),
    (
        "assessments",
        {
            "instrument": "PSEQ",
            **{f"item_{k:02d}": "6" for k in range(1, 11)},
            "item_11": "1",
            "total": "",
        },
        "item_11",
        "item_11 must be empty: PSEQ has 10 items",
    ),
    ("assessments", {"item_02": "two"}, "item_02", "'two' is not a whole number"),
    (
        "healthcare_use",
        {"month": "2025-13"},
        "month",
        "month 2025-13 is not a month in the form YYYY-MM",
    ),
    ("healthcare_use", {"month": "12/2024"}, "month", "is not a month in the form YYYY-MM"),
    ("healthcare_use", {"month": ""}, "month", "month is empty; it is required"),
    ("healthcare_use", {"ae_attendances": "-1"}, "ae_attendances", "it must be at least 0"),
    ("healthcare_use", {"patient_id": "P9"}, "patient_id", "patient_id P9 is not in patients.csv"),
    (
        "prescriptions",
        {"opioid_items": "-2"},
        "opioid_items",
        "opioid_items is -2; it must be at least 0",
    ),
    ("prescriptions", {"patient_id": "P9"}, "patient_id", "is not in patients.csv"),
]


@pytest.mark.parametrize(("table", "changes", "column", "fragment"), CASES)
def test_one_bad_row_is_rejected_with_its_reason(batch, db_file, table, changes, column, fragment):
    append_row(batch, table, line(table, **changes))
    result = import_batch(batch, db_file)

    assert result.rejected[table] == 1
    assert result.loaded[table] == BASE_ROWS[table]
    assert result.status == "loaded_with_rejections"
    recs = [r for r in rejected(db_file, table) if r["column_name"] == column]
    assert recs, rejected(db_file, table)
    assert recs[0]["row_number"] == BASE_ROWS[table] + 1
    assert fragment in recs[0]["rule"], recs[0]["rule"]
    assert all(r["row_number"] == BASE_ROWS[table] + 1 for r in rejected(db_file))
    (count,) = rows(db_file, f"select count(*) from {table}")[0]
    assert count == BASE_ROWS[table]


def test_good_row_loads_in_every_table(batch, db_file):
    """The GOOD rows themselves break no rule (so each case above breaks exactly one thing)."""
    for table in GOOD:
        append_row(batch, table, line(table))
    result = import_batch(batch, db_file)
    assert result.rejected == dict.fromkeys(GOOD, 0), rejected(db_file)
    assert result.loaded == {t: n + 1 for t, n in BASE_ROWS.items()}


def test_nhs_number_is_masked_in_rejected_rows(batch, db_file):
    append_row(batch, "patients", line("patients", patient_id="943 476 5919"))
    import_batch(batch, db_file)
    recs = rejected(db_file, "patients")
    assert recs
    for rec in recs:
        assert "5919" not in rec["raw_row"] and "5919" not in (rec["value"] or "")
        assert raw(rec)["patient_id"] == "(NHS number removed)"


def test_ten_digits_failing_modulus_11_is_a_pseudonym(batch, db_file):
    # 943 476 5918: the check digit should be 9 (see above), so this is not an NHS number.
    append_row(batch, "patients", line("patients", patient_id="9434765918"))
    result = import_batch(batch, db_file)
    assert result.rejected["patients"] == 0


def test_a_row_breaking_several_rules_is_listed_once_per_rule(batch, db_file):
    append_row(batch, "contacts", line("contacts", minutes="999", mode="fax", attendance="late"))
    result = import_batch(batch, db_file)
    assert result.rejected["contacts"] == 1
    recs = rejected(db_file, "contacts")
    assert sorted(r["column_name"] for r in recs) == ["attendance", "minutes", "mode"]
    assert {r["row_number"] for r in recs} == {3}
    assert raw(recs[0]) == {
        "contact_id": "C3",
        "referral_id": "R1",
        "contact_date": "2025-03-01",
        "mode": "fax",
        "minutes": "999",
        "attendance": "late",
    }


def test_child_of_rejected_parent_is_rejected_saying_so(batch, db_file):
    append_row(batch, "patients", line("patients", patient_id="P7", sex="woman"))
    append_row(batch, "referrals", line("referrals", referral_id="R7", patient_id="P7"))
    append_row(batch, "contacts", line("contacts", contact_id="C7", referral_id="R7"))
    result = import_batch(batch, db_file)
    assert result.rejected == {
        **dict.fromkeys(BASE_ROWS, 0),
        "patients": 1,
        "referrals": 1,
        "contacts": 1,
    }
    (ref,) = rejected(db_file, "referrals")
    assert ref["rule"].startswith("its patient P7 was rejected in this batch")
    (con,) = rejected(db_file, "contacts")
    assert con["rule"].startswith("its referral R7 was rejected in this batch")


def test_child_of_parent_loaded_earlier_is_accepted(batch, db_file, tmp_path):
    import_batch(batch, db_file)
    later = tmp_path / "later"
    later.mkdir()
    header = ",".join(contract.table("contacts").column_names)
    (later / "contacts.csv").write_text(header + "\n" + line("contacts", contact_id="C8") + "\n")
    result = import_batch(later, db_file)
    assert result.loaded == {"contacts": 1} and result.rejected == {"contacts": 0}


@pytest.mark.parametrize(
    ("birth_year", "accepted"),
    # Referral on 2025-03-01: 2025 - 2007 = 18 is accepted (the borderline: year of birth
    # only, benefit of the doubt); 2025 - 2008 = 17 is rejected.
    [("2007", True), ("2008", False)],
)
def test_adults_only_at_referral(batch, db_file, birth_year, accepted):
    append_row(batch, "patients", line("patients", birth_year=birth_year))
    append_row(batch, "referrals", line("referrals", patient_id="P3"))
    result = import_batch(batch, db_file)
    assert result.rejected["referrals"] == (0 if accepted else 1)
    if not accepted:
        (rec,) = rejected(db_file, "referrals")
        assert rec["rule"] == (
            "the patient (born 2008) would be 17 at referral on 2025-03-01; "
            "only adults (18 or over) are eligible"
        )


def test_duplicate_key_in_one_file_keeps_the_last(batch, db_file):
    append_row(batch, "contacts", line("contacts", minutes="10"))
    append_row(batch, "contacts", line("contacts", minutes="20"))
    result = import_batch(batch, db_file)
    assert result.loaded["contacts"] == 3 and result.rejected["contacts"] == 1
    (rec,) = rejected(db_file, "contacts")
    assert rec["row_number"] == 3
    assert rec["rule"] == (
        "the same contact_id appears again later in this file (row 4); "
        "only the last row with it is loaded"
    )
    assert rows(db_file, "select minutes from contacts where contact_id = 'C3'") == [(20,)]


def test_duplicate_composite_key(batch, db_file):
    append_row(batch, "prescriptions", "P1,2024-12,3,0,0")
    result = import_batch(batch, db_file)
    assert result.rejected["prescriptions"] == 1
    assert rows(db_file, "select opioid_items from prescriptions") == [(3,)]


def test_values_are_normalised(batch, db_file):
    """Codes lower-case, instruments upper-case, ODS upper-case, UK dates, months, defaults."""
    import_batch(batch, db_file)
    assert rows(db_file, "select practice_code, role from practices order by 1") == [
        ("A86012", "pilot"),
        ("A86013", "comparison"),
    ]
    import datetime as dt

    assert rows(
        db_file,
        "select referral_date, referrer_role, condition from referrals where referral_id = 'R2'",
    ) == [(dt.date(2025, 2, 15), "gp", "ibs")]
    assert rows(db_file, "select distinct instrument from assessments order by 1") == [
        ("PSEQ",),
        ("SWEMWBS",),
    ]
    assert rows(db_file, "select month from healthcare_use") == [(dt.date(2024, 12, 1),)]
    assert rows(db_file, "select cohort from patients where patient_id = 'P1'") == [("referred",)]


@pytest.mark.parametrize(
    "changes",
    [
        # Some items missing and no total: loaded (shown as incomplete later).
        {"item_02": "", "total": ""},
        # No items, a total: taken as the score.
        {"item_01": "", "item_02": "", "total": "9"},
        # Everything empty but the header fields: an empty form, loaded as incomplete.
        {"item_01": "", "item_02": "", "total": ""},
    ],
)
def test_incomplete_forms_load(batch, db_file, changes):
    append_row(batch, "assessments", line("assessments", **changes))
    result = import_batch(batch, db_file)
    assert result.rejected["assessments"] == 0


def test_psfs_total_rounded_to_one_decimal_is_accepted(batch, db_file):
    # Activities 4, 6, 7: mean 5.666...; 5.7 is within 0.05 of it.
    append_row(
        batch,
        "assessments",
        line("assessments", instrument="PSFS", item_01="4", item_02="6", item_03="7", total="5.7"),
    )
    assert import_batch(batch, db_file).rejected["assessments"] == 0


def test_uk_dates_with_single_digits(batch, db_file):
    append_row(batch, "contacts", line("contacts", contact_date="3/4/2025"))
    import datetime as dt

    import_batch(batch, db_file)
    assert rows(db_file, "select contact_date from contacts where contact_id = 'C3'") == [
        (dt.date(2025, 4, 3),)
    ]
