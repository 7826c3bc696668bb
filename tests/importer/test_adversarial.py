"""Hostile batches: what real exports look like, checked against the data contract.

Each test builds its files in a temporary folder (from the small valid batch in
fixtures/valid_batch, bent in one way) and asserts what the contract requires: the row is
rejected with a sentence naming its file, row, column and rule; or the whole batch is
refused with nothing changed; or it loads, with the values stored as the contract says.

Where the contract is silent, the behaviour asserted here is the one documented in
docs/data-contract.md ("Decisions where the contract is silent").
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from importer_helpers import BASE_ROWS, VALID, append_row, raw, rejected, rows
from test_row_rules import line

from wellpath import contract
from wellpath.importer import BatchRefused, import_batch, import_uploads

REPO = Path(__file__).resolve().parents[2]
TODAY = dt.date.today()
# 943 476 5919 is a valid NHS number: weights 10..2 on 9,4,3,4,7,6,5,9,1 give
# 90+36+24+28+42+30+20+27+2 = 299; 299 mod 11 = 2; 11 - 2 = 9 = the check digit.
NHS = "9434765919"


def valid_text(table: str) -> str:
    return (VALID / f"{table}.csv").read_text(encoding="utf-8")


def header(table: str) -> str:
    return ",".join(contract.table(table).column_names)


def write(folder: Path, name: str, content: str | bytes) -> None:
    path = folder / name
    if isinstance(content, str):
        path.write_bytes(content.encode("utf-8"))
    else:
        path.write_bytes(content)


def count(db_file: Path, table: str) -> int:
    return rows(db_file, f"select count(*) from {table}")[0][0]


def assert_all_base_rows_loaded(result, db_file: Path) -> None:
    assert result.rejected == dict.fromkeys(BASE_ROWS, 0), rejected(db_file)
    assert result.loaded == BASE_ROWS
    for table, n in BASE_ROWS.items():
        assert count(db_file, table) == n


def only_rule(db_file: Path, table: str) -> dict:
    recs = rejected(db_file, table)
    assert len(recs) == 1, recs
    return recs[0]


def refused(source: Path, db_file: Path) -> BatchRefused:
    """Import `source` expecting a refusal, and check nothing at all was written."""
    existed = db_file.exists()
    before = db_file.read_bytes() if existed else None
    with pytest.raises(BatchRefused) as info:
        import_batch(source, db_file)
    assert db_file.exists() == existed
    if existed:
        assert db_file.read_bytes() == before
    return info.value


# --- header rows --------------------------------------------------------------------------


def test_header_names_padded_upper_case_quoted_and_bom_on_the_first(batch, db_file):
    """' Practice_Code ', PRACTICE_NAME, a quoted name and a BOM before the first name."""
    body = valid_text("practices").split("\n", 1)[1]
    head = '\ufeff Practice_Code ,PRACTICE_NAME,"pcn_code"," Pcn_Name",List_Size ,ROLE'
    write(batch, "practices.csv", head + "\n" + body)
    # A BOM before the first header name in a file that is otherwise plain: also on patients.
    write(batch, "patients.csv", "\ufeff" + valid_text("patients"))
    result = import_batch(batch, db_file)
    assert_all_base_rows_loaded(result, db_file)
    assert rows(db_file, "select practice_code, list_size from practices order by 1") == [
        ("A86012", 9000),
        ("A86013", 12000),
    ]
    assert result.warnings == []


def test_trailing_empty_column_from_excel(batch, db_file):
    """Excel leaves a trailing comma on every line when a column beyond the data was touched."""
    text = valid_text("contacts")
    write(batch, "contacts.csv", "\n".join(ln + "," for ln in text.strip().split("\n")) + "\n")
    result = import_batch(batch, db_file)
    assert_all_base_rows_loaded(result, db_file)


def test_duplicated_contract_column_refuses_the_file(batch, db_file):
    text = valid_text("goals").replace("status,closed_date", "status,Status,closed_date", 1)
    text = text.replace("open,", "open,open,", 1)
    write(batch, "goals.csv", text)
    err = refused(batch, db_file)
    assert (err.file, err.column) == ("goals.csv", "status")
    assert "appears twice" in err.rule


def test_duplicated_unknown_column_is_a_warning_not_a_refusal(batch, db_file):
    """Two 'notes' columns are both ignored: refusing the batch for them would help nobody."""
    lines = valid_text("goals").strip().split("\n")
    text = "\n".join([lines[0] + ",notes,Notes"] + [ln + ",a,b" for ln in lines[1:]]) + "\n"
    write(batch, "goals.csv", text)
    result = import_batch(batch, db_file)
    assert_all_base_rows_loaded(result, db_file)
    assert any("notes" in w and "goals.csv" in w for w in result.warnings)


def test_file_without_a_header_row_is_refused_saying_so(batch, db_file):
    body = valid_text("patients").split("\n", 1)[1]
    write(batch, "patients.csv", body)
    err = refused(batch, db_file)
    assert err.file == "patients.csv"
    assert "header" in err.rule and "first row" in err.rule
    # The first data row must not be echoed back as if it were column names.
    assert "p1" not in str(err).lower().split("patients.csv")[1]


def test_semicolon_separated_file_is_refused_with_a_hint(batch, db_file):
    write(batch, "contacts.csv", valid_text("contacts").replace(",", ";"))
    err = refused(batch, db_file)
    assert err.file == "contacts.csv"
    assert "semicolon" in err.rule and "comma" in err.rule


def test_missing_required_column_refuses_and_names_it(batch, db_file):
    import_batch(VALID, db_file)
    text = "\n".join(
        ",".join(v for i, v in enumerate(ln.split(",")) if i != 2)
        for ln in valid_text("contacts").strip().split("\n")
    )
    write(batch, "contacts.csv", text + "\n")
    err = refused(batch, db_file)
    assert (err.file, err.column) == ("contacts.csv", "contact_date")
    assert "required column is missing" in err.rule


# --- line endings, blank lines, quoting ---------------------------------------------------


@pytest.mark.parametrize("eol", ["\r\n", "\r"], ids=["crlf", "cr-only"])
def test_windows_and_old_mac_line_endings(batch, db_file, eol):
    for table in BASE_ROWS:
        text = valid_text(table)
        write(batch, f"{table}.csv", text.replace("\n", eol))
    result = import_batch(batch, db_file)
    assert_all_base_rows_loaded(result, db_file)
    # No \r left in the last column of any row.
    assert rows(db_file, "select count(*) from referrals where discharge_reason like '%\r%'") == [
        (0,)
    ]


def test_trailing_blank_lines_and_no_final_newline(batch, db_file):
    write(batch, "contacts.csv", valid_text("contacts") + "\n\n\n")
    write(batch, "goals.csv", valid_text("goals").rstrip("\n"))
    assert_all_base_rows_loaded(import_batch(batch, db_file), db_file)


def test_rows_with_every_cell_empty_are_skipped_but_counted(batch, db_file):
    """Excel writes formatted blank rows as ',,,,,': skipped, not rejected for an empty key.

    They keep their place in the numbering (they are rows in the spreadsheet), so a bad row
    after them is reported with the row number the sender sees.
    """
    write(batch, "contacts.csv", valid_text("contacts") + ",,,,,\n , ,,,,\n")
    append_row(batch, "contacts", line("contacts", minutes="481"))
    result = import_batch(batch, db_file)
    assert result.loaded["contacts"] == 2 and result.rejected["contacts"] == 1
    rec = only_rule(db_file, "contacts")
    assert rec["row_number"] == 5 and rec["column_name"] == "minutes"


def test_quoted_fields_with_commas_quotes_and_newlines(batch, db_file):
    name = 'Elm Surgery, Leeds Road\n(the "old" building)'
    quoted = '"' + name.replace('"', '""') + '"'
    lines = valid_text("practices").strip().split("\n")
    lines[1] = lines[1].replace("Elm Surgery", quoted)
    write(batch, "practices.csv", "\n".join(lines) + "\n")
    # A bad row after the multi-line one: its row number counts records, not lines.
    append_row(batch, "practices", "A86099,,U1,,5,pilot")
    result = import_batch(batch, db_file)
    assert result.loaded["practices"] == 2 and result.rejected["practices"] == 1
    assert rows(db_file, "select practice_name from practices where practice_code = 'A86012'") == [
        (name,)
    ]
    rec = only_rule(db_file, "practices")
    assert rec["row_number"] == 3


def test_row_with_more_fields_than_the_header_is_rejected_not_the_file(batch, db_file):
    """An unquoted '5,000' gives a row one field too many: that row is rejected with its
    fields kept, the rest of the file and batch load."""
    append_row(batch, "practices", "A86099,Birch Surgery,U44695,Central PCN,5,000,pilot")
    result = import_batch(batch, db_file)
    assert result.loaded["practices"] == 2 and result.rejected["practices"] == 1
    rec = only_rule(db_file, "practices")
    assert rec["row_number"] == 3
    assert "7 fields" in rec["rule"] and "6" in rec["rule"] and "double quotes" in rec["rule"]
    assert rec["column_name"] is None  # the row, not one of its cells
    sent = raw(rec)
    assert list(sent.values()) == [
        "A86099",
        "Birch Surgery",
        "U44695",
        "Central PCN",
        "5",
        "000",
        ["pilot"],
    ]
    assert list(sent)[-1] == "(fields beyond the header)"


def test_row_with_far_too_many_fields_refuses_the_file(batch, db_file):
    append_row(batch, "contacts", ",".join(["x"] * 40))
    err = refused(batch, db_file)
    assert err.file == "contacts.csv"
    assert "cannot be read" in err.rule


def test_unterminated_quote_refuses_the_file(batch, db_file):
    append_row(batch, "contacts", 'C3,R1,2025-03-01,"phone,30,attended')
    err = refused(batch, db_file)
    assert err.file == "contacts.csv"
    assert "line 4 of the file opens a double quote that is never closed" in err.rule


def test_stray_carriage_return_refuses_saying_what_is_wrong(batch, db_file):
    """A lone CR inside an unquoted value of a file with LF line endings."""
    write(batch, "goals.csv", valid_text("goals") + "G9,R1,other\r,2025-02-01,open,\n")
    err = refused(batch, db_file)
    assert err.file == "goals.csv"
    assert "not valid CSV" in err.rule and "double quote that is never closed" not in err.rule


# --- spaces and case in values ------------------------------------------------------------


def test_spaces_tabs_and_non_breaking_spaces_around_values(batch, db_file):
    nbsp = "\u00a0"
    append_row(
        batch,
        "referrals",
        line(
            "referrals",
            referral_id=" R3 ",
            referrer_role=" GP",
            triage_outcome="Accepted ",
            condition=f"IBS{nbsp}",
            practice_code=" a86012\t",
            symptom_months=" 5 ",
            referral_date=" 2025-03-01 ",
        ),
    )
    append_row(batch, "contacts", line("contacts", mode="Face_To_Face", referral_id="R3"))
    result = import_batch(batch, db_file)
    assert result.rejected["referrals"] == 0, rejected(db_file)
    assert result.rejected["contacts"] == 0, rejected(db_file)
    got = rows(
        db_file,
        "select referral_id, referrer_role, triage_outcome, condition, practice_code, "
        "symptom_months, referral_date from referrals where referral_id = 'R3'",
    )
    assert got == [("R3", "gp", "accepted", "ibs", "A86012", 5, dt.date(2025, 3, 1))]
    assert rows(db_file, "select mode from contacts where contact_id = 'C3'") == [("face_to_face",)]


def test_code_with_spaces_instead_of_underscores_is_rejected(batch, db_file):
    append_row(batch, "contacts", line("contacts", mode="face to face"))
    import_batch(batch, db_file)
    rec = only_rule(db_file, "contacts")
    assert rec["column_name"] == "mode"
    assert "'face to face' is not one of the codes" in rec["rule"]


# --- dates and months ---------------------------------------------------------------------

DATE_CASES = [
    ("2025-04-03", dt.date(2025, 4, 3)),
    ("03/04/2025", dt.date(2025, 4, 3)),  # UK: 3 April
    ("3/4/2025", dt.date(2025, 4, 3)),  # UK without leading zeros: still 3 April
    ("2025-4-3", dt.date(2025, 4, 3)),  # ISO without leading zeros
    ("29/02/2024", dt.date(2024, 2, 29)),  # 2024 is a leap year
    ("2025-04-03 00:00:00", dt.date(2025, 4, 3)),  # a date exported as a midnight datetime
    ("2025-04-03T00:00:00", dt.date(2025, 4, 3)),
    ("2025-04-03 00:00:00.000", dt.date(2025, 4, 3)),
    ("03/04/2025 00:00", dt.date(2025, 4, 3)),
    ("03/04/25", "is not a date in the form YYYY-MM-DD or DD/MM/YYYY"),  # two-digit year
    ("2025-02-29", "is not a real date"),  # 2025 is not a leap year
    ("31/04/2025", "is not a real date"),  # April has 30 days
    ("04/13/2025", "is not a real date"),  # US month/day: there is no month 13
    ("2025/04/03", "is not a date in the form"),
    ("20250403", "is not a date in the form"),
    ("3 Apr 2025", "is not a date in the form"),
    ("2025-04-03 14:30", "has a time of day"),
    ("45750", "is not a date in the form"),  # an Excel serial number
]


@pytest.mark.parametrize(("sent", "expected"), DATE_CASES, ids=[c[0] for c in DATE_CASES])
def test_date_forms(batch, db_file, sent, expected):
    # goals.agreed_date: a date with no other date it must follow, so only its form matters.
    append_row(batch, "goals", line("goals", agreed_date=sent))
    result = import_batch(batch, db_file)
    if isinstance(expected, dt.date):
        assert result.rejected["goals"] == 0, rejected(db_file)
        assert rows(db_file, "select agreed_date from goals where goal_id = 'G2'") == [(expected,)]
    else:
        rec = only_rule(db_file, "goals")
        assert (rec["row_number"], rec["column_name"], rec["value"]) == (2, "agreed_date", sent)
        assert rec["rule"].startswith(f"agreed_date {sent} ")
        assert expected in rec["rule"]


def test_referral_today_is_allowed_tomorrow_is_not(batch, db_file):
    append_row(batch, "referrals", line("referrals", referral_id="R3", **_open(TODAY)))
    tomorrow = TODAY + dt.timedelta(days=1)
    append_row(batch, "referrals", line("referrals", referral_id="R4", **_open(tomorrow)))
    result = import_batch(batch, db_file)
    assert result.rejected["referrals"] == 1
    rec = only_rule(db_file, "referrals")
    assert rec["row_number"] == 4
    assert rec["rule"] == f"referral_date {tomorrow:%Y-%m-%d} is in the future"


def _open(day: dt.date) -> dict:
    return {
        "referral_date": f"{day:%Y-%m-%d}",
        "triage_outcome": "",
        "triage_date": "",
        "worker_id": "",
        "first_contact_date": "",
        "action_plan_date": "",
        "discharge_date": "",
        "discharge_reason": "",
    }


MONTH_CASES = [
    ("2024-11", dt.date(2024, 11, 1)),
    ("2024-1", dt.date(2024, 1, 1)),  # without the leading zero
    ("2024-11-01", dt.date(2024, 11, 1)),  # the first of the month, as a database exports it
    ("01/11/2024", dt.date(2024, 11, 1)),
    ("2024-11-15", "is not a month in the form YYYY-MM"),  # a day in the month: which month?
    ("11/2024", "is not a month in the form YYYY-MM"),
    ("Nov-24", "is not a month in the form YYYY-MM"),
    ("2024-13", "is not a month in the form YYYY-MM"),
]


@pytest.mark.parametrize(("sent", "expected"), MONTH_CASES, ids=[c[0] for c in MONTH_CASES])
def test_month_forms(batch, db_file, sent, expected):
    append_row(batch, "healthcare_use", f"P2,{sent},1,0,0,0")
    result = import_batch(batch, db_file)
    if isinstance(expected, dt.date):
        assert result.rejected["healthcare_use"] == 0, rejected(db_file)
        assert rows(db_file, "select month from healthcare_use where patient_id = 'P2'") == [
            (expected,)
        ]
    else:
        rec = only_rule(db_file, "healthcare_use")
        assert rec["column_name"] == "month"
        assert expected in rec["rule"]


def test_healthcare_use_month_in_the_future_is_rejected_this_month_is_not(batch, db_file):
    this_month = TODAY.replace(day=1)
    next_month = (this_month + dt.timedelta(days=32)).replace(day=1)
    append_row(batch, "healthcare_use", f"P2,{this_month:%Y-%m},1,0,0,0")
    append_row(batch, "prescriptions", f"P2,{next_month:%Y-%m},1,0,0")
    result = import_batch(batch, db_file)
    assert result.rejected["healthcare_use"] == 0
    rec = only_rule(db_file, "prescriptions")
    assert rec["rule"] == f"month {next_month:%Y-%m} is in the future"


# --- numbers ------------------------------------------------------------------------------

NUMBER_CASES = [
    ("practices", "list_size", "1,200", 1200),  # Excel's thousands separator (quoted)
    ("practices", "list_size", "12,345,678", 12345678),
    ("practices", "list_size", "12.0", 12),  # a whole number written as a decimal
    ("practices", "list_size", " 5 ", 5),
    ("practices", "list_size", "-0", 0),
    ("practices", "list_size", "+7", 7),
    ("practices", "list_size", "12.5", "'12.5' is not a whole number"),
    ("practices", "list_size", "1e3", "'1e3' is not a whole number"),
    ("practices", "list_size", "1,2", "'1,2' is not a whole number"),
    ("practices", "list_size", "12,00", "'12,00' is not a whole number"),
    ("practices", "list_size", "99999999999", "'99999999999' is too large"),
    ("link_workers", "fte", "0.75", 0.75),
    ("link_workers", "fte", ".5", 0.5),
    ("link_workers", "fte", "1.5", 1.5),
    ("link_workers", "fte", "1.6", "fte is 1.6; it must be more than 0 and at most 1.5"),
    ("link_workers", "fte", "0", "fte is 0; it must be more than 0 and at most 1.5"),
    ("link_workers", "fte", "0,75", "'0,75' is not a number"),  # a European decimal comma
]


@pytest.mark.parametrize(
    ("table", "column", "sent", "expected"),
    NUMBER_CASES,
    ids=[f"{c[1]}={c[2]}" for c in NUMBER_CASES],
)
def test_number_forms(batch, db_file, table, column, sent, expected):
    cell = f'"{sent}"' if "," in sent else sent
    key = "A86099" if table == "practices" else "W2"
    append_row(batch, table, line(table, **{column: cell}))
    result = import_batch(batch, db_file)
    key_col = contract.table(table).key[0]
    if isinstance(expected, str):
        rec = only_rule(db_file, table)
        assert (rec["column_name"], rec["value"]) == (column, sent.strip())
        assert expected in rec["rule"], rec["rule"]
    else:
        assert result.rejected[table] == 0, rejected(db_file)
        assert rows(db_file, f"select {column} from {table} where {key_col} = ?", [key]) == [
            (expected,)
        ]


def test_excel_style_whole_numbers_in_items(batch, db_file):
    """A pandas export writes an integer column with gaps as 3.0, 4.0: still whole numbers."""
    append_row(batch, "assessments", line("assessments", item_01="3.0", item_02="4.0", total="7.0"))
    assert import_batch(batch, db_file).rejected["assessments"] == 0
    assert rows(
        db_file, "select item_01, item_02, total from assessments where assessment_id = 'A3'"
    ) == [(3, 4, 7.0)]


# --- NHS numbers and identifiers ----------------------------------------------------------

NHS_FORMS = [NHS, "943 476 5919", "943-476-5919", " 943 476 5919 "]


@pytest.mark.parametrize("sent", NHS_FORMS)
def test_nhs_number_in_patients_is_rejected_and_never_stored(batch, db_file, sent):
    append_row(batch, "patients", line("patients", patient_id=f'"{sent}"'))
    # Its children name it too; none of them may carry the number into rejected_rows.
    append_row(batch, "referrals", line("referrals", patient_id=sent))
    append_row(batch, "healthcare_use", f"{sent},2024-11,1,0,0,0")
    append_row(batch, "healthcare_use", f"{sent},2024-11,2,0,0,0")  # and a duplicate key
    result = import_batch(batch, db_file)
    assert result.rejected["patients"] == 1
    assert result.rejected["referrals"] == 1
    assert result.rejected["healthcare_use"] == 2
    _assert_no_nhs_number_anywhere(db_file)


def _assert_no_nhs_number_anywhere(db_file: Path) -> None:
    recs = rejected(db_file)
    assert recs
    for rec in recs:
        for text in (rec["value"] or "", rec["rule"], rec["raw_row"]):
            digits = "".join(ch for ch in text if ch.isdigit())
            assert "4765919" not in digits, rec
    for table in ("patients", "referrals", "healthcare_use"):
        stored = rows(db_file, f"select count(*) from {table} where patient_id like '%5919%'")
        assert stored == [(0,)]


@pytest.mark.parametrize(
    "sent",
    [
        "9434765918",  # ten digits failing Modulus 11: a pseudonym
        "943476591",  # nine digits
        "94347659190",  # eleven digits
        "P-9434765919",  # digits inside a longer pseudonym
    ],
)
def test_digit_pseudonyms_that_are_not_nhs_numbers_load(batch, db_file, sent):
    append_row(batch, "patients", line("patients", patient_id=sent))
    result = import_batch(batch, db_file)
    assert result.rejected["patients"] == 0, rejected(db_file)
    assert rows(db_file, "select count(*) from patients where patient_id = ?", [sent]) == [(1,)]


def test_identifier_lengths_count_characters_not_bytes(batch, db_file):
    ok_ascii = "R" * 64
    too_long = "R" * 65
    ok_unicode = "é" * 64  # 128 bytes in UTF-8, 64 characters
    for rid in (ok_ascii, too_long, ok_unicode, "Zoë-名前-01"):
        append_row(batch, "referrals", line("referrals", referral_id=rid))
    result = import_batch(batch, db_file)
    assert result.loaded["referrals"] == 5 and result.rejected["referrals"] == 1
    rec = only_rule(db_file, "referrals")
    assert rec["row_number"] == 4
    assert rec["rule"] == "referral_id is 65 characters long; identifiers may be at most 64"
    assert rows(db_file, "select count(*) from referrals where referral_id = 'Zoë-名前-01'") == [
        (1,)
    ]


# --- questionnaires -----------------------------------------------------------------------


def _form(instrument: str, items: list[str], total: str = "") -> str:
    cells = {c: "" for c in contract.ITEM_COLUMNS}
    cells.update({f"item_{k:02d}": v for k, v in enumerate(items, start=1)})
    return line("assessments", instrument=instrument, total=total, **cells)


ASSESSMENT_CASES = [
    # PSFS: three activities 4, 6, 7 (mean 17/3 = 5.67), total as the mean: loads.
    ("PSFS", ["4", "6", "7"], "5.67", None),
    ("PSFS", ["4", "6", "7"], "5.7", None),
    ("PSFS", ["4", "6", "7"], "17", "total 17 does not equal the mean"),  # the sum, not the mean
    # ONS4: four separate scores, so a total is refused.
    ("ONS4", ["7", "8", "6", "3"], "24", "total must be empty for ONS4"),
    ("ONS4", ["7", "8", "6", "3"], "", None),
    # SWEMWBS: items 3 x 7 = raw 21; the metric score of 21 is 20.73; a metric total is wrong.
    ("SWEMWBS", ["3"] * 7, "21", None),
    ("SWEMWBS", ["3"] * 7, "20.73", "total 20.73 does not equal the sum of the items (21)"),
    # With no items the total is the score, so a metric value is caught by being fractional.
    ("SWEMWBS", [], "20.73", "total 20.73 is not a whole number"),
    ("SWEMWBS", [], "21", None),
    # Items beyond the instrument's count must be empty.
    ("PSEQ2", ["3", "4", "5"], "", "item_03 must be empty: PSEQ2 has 2 items"),
    # WBSTAR items run 1-10: 0 is out of range.
    ("WBSTAR", ["0"] + ["5"] * 7, "", "item_01 is 0; WBSTAR items run from 1 to 10"),
    ("wbstar", ["10"] * 8, "80", None),
]


@pytest.mark.parametrize(
    ("instrument", "items", "total", "fragment"),
    ASSESSMENT_CASES,
    ids=[f"{c[0]}-{len(c[1])}items-total{c[2] or 'none'}" for c in ASSESSMENT_CASES],
)
def test_questionnaires(batch, db_file, instrument, items, total, fragment):
    append_row(batch, "assessments", _form(instrument, items, total))
    result = import_batch(batch, db_file)
    if fragment is None:
        assert result.rejected["assessments"] == 0, rejected(db_file)
        got = rows(db_file, "select instrument from assessments where assessment_id = 'A3'")
        assert got == [(instrument.upper(),)]
    else:
        # One row rejected; it may break more than one rule (17 is also above PSFS's 10).
        assert result.rejected["assessments"] == 1
        recs = rejected(db_file, "assessments")
        assert any(fragment in r["rule"] for r in recs), recs


# --- referral consistency -----------------------------------------------------------------


def test_discharge_reason_without_discharge_date_is_rejected(batch, db_file):
    append_row(
        batch, "referrals", line("referrals", discharge_date="", discharge_reason="goals_met")
    )
    import_batch(batch, db_file)
    rec = only_rule(db_file, "referrals")
    assert rec["column_name"] == "discharge_date"
    assert rec["rule"] == (
        "discharge_date is empty but discharge_reason is goals_met; give the discharge date, "
        "or leave the reason empty while the referral is open"
    )


def test_triage_date_without_triage_outcome_is_rejected(batch, db_file):
    append_row(
        batch,
        "referrals",
        line("referrals", triage_outcome="", **{"discharge_date": "", "discharge_reason": ""}),
    )
    import_batch(batch, db_file)
    rec = only_rule(db_file, "referrals")
    assert rec["column_name"] == "triage_outcome"
    assert "triage_date 2025-03-02 is given" in rec["rule"]


def test_referral_of_a_comparison_patient_is_rejected(batch, db_file):
    """cohort = comparison means 'not referred' (contract): a referral contradicts it."""
    append_row(batch, "patients", line("patients", patient_id="P5", cohort="comparison"))
    append_row(batch, "referrals", line("referrals", referral_id="R5", patient_id="P5"))
    append_row(batch, "healthcare_use", "P5,2024-11,1,0,0,0")
    result = import_batch(batch, db_file)
    assert result.rejected["patients"] == 0 and result.rejected["healthcare_use"] == 0
    rec = only_rule(db_file, "referrals")
    assert rec["column_name"] == "patient_id"
    assert "comparison cohort" in rec["rule"] and "P5" in rec["rule"]


def test_patient_with_referrals_cannot_become_comparison_later(batch, db_file, tmp_path):
    import_batch(batch, db_file)
    later = tmp_path / "later"
    later.mkdir()
    write(
        later, "patients.csv", header("patients") + "\nP1,A86012,1970,female,white,3,comparison\n"
    )
    result = import_batch(later, db_file)
    assert result.rejected == {"patients": 1}
    rec = only_rule(db_file, "patients")
    assert rec["column_name"] == "cohort" and "already has referrals" in rec["rule"]
    assert rows(db_file, "select cohort from patients where patient_id = 'P1'") == [("referred",)]


# --- files in a batch ---------------------------------------------------------------------


def test_header_only_file_loads_nothing_for_that_table(batch, db_file):
    write(batch, "prescriptions.csv", header("prescriptions") + "\r\n")
    result = import_batch(batch, db_file)
    assert result.loaded["prescriptions"] == 0 and result.rejected["prescriptions"] == 0
    assert result.loaded["patients"] == 2


def test_zero_byte_file_refuses(batch, db_file):
    write(batch, "goals.csv", b"")
    err = refused(batch, db_file)
    assert err.file == "goals.csv" and "header row is required" in err.rule


def test_file_names_in_any_case(batch, db_file):
    (batch / "referrals.csv").rename(batch / "REFERRALS.CSV")
    (batch / "contacts.csv").rename(batch / "Contacts.CSV")
    assert_all_base_rows_loaded(import_batch(batch, db_file), db_file)


def test_same_table_twice_under_different_case_refuses(tmp_path, db_file):
    buf = tmp_path / "b.zip"
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("referrals.csv", valid_text("referrals"))
        zf.writestr("old/REFERRALS.CSV", valid_text("referrals"))
    err = refused(buf, db_file)
    assert "two files for referrals" in err.rule


def _zip_of_valid(path: Path, prefix: str = "", extra: dict | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for table in BASE_ROWS:
            zf.writestr(f"{prefix}{table}.csv", valid_text(table))
        for name, content in (extra or {}).items():
            zf.writestr(name, content)
    return path


def test_zip_from_a_mac_with_a_folder_junk_and_a_nested_zip(tmp_path, db_file):
    nested = io.BytesIO()
    with zipfile.ZipFile(nested, "w") as inner:
        inner.writestr("contacts.csv", header("contacts") + "\nC9,R1,2025-03-01,phone,5,dna\n")
    source = _zip_of_valid(
        tmp_path / "export.zip",
        prefix="Wellpath export/",
        extra={
            "Wellpath export/README.txt": "exported by the CMS",
            "Wellpath export/.DS_Store": b"\x00\x00\x00\x01Bud1",
            "__MACOSX/Wellpath export/._referrals.csv": b"\x00\x05\x16\x07",
            "Wellpath export/Thumbs.db": b"\x00",
            "Wellpath export/older.zip": nested.getvalue(),
        },
    )
    result = import_batch(source, db_file)
    assert_all_base_rows_loaded(result, db_file)
    # Nested archives are not opened: the sender is told, so C9 is not silently lost.
    assert any("older.zip" in w and "not opened" in w for w in result.warnings)
    assert any("README.txt" in w for w in result.warnings)
    assert not any("DS_Store" in w or "MACOSX" in w or "Thumbs" in w for w in result.warnings)


def test_upload_of_the_same_zip_as_bytes(tmp_path, db_file):
    source = _zip_of_valid(tmp_path / "export.zip", prefix="x/")
    result = import_uploads([("export.zip", source.read_bytes())], db_file)
    assert_all_base_rows_loaded(result, db_file)


# --- encodings ----------------------------------------------------------------------------


def test_windows_1252_pound_and_smart_quotes(batch, db_file):
    name = "St Mary’s “Elm” Surgery £5 café"
    text = valid_text("practices").replace("Elm Surgery", name)
    write(batch, "practices.csv", text.replace("\n", "\r\n").encode("cp1252"))
    result = import_batch(batch, db_file)
    assert_all_base_rows_loaded(result, db_file)
    assert rows(db_file, "select practice_name from practices where practice_code = 'A86012'") == [
        (name,)
    ]


def test_windows_1252_rejected_row_keeps_its_characters(batch, db_file):
    text = valid_text("practices") + "A86099,Café “Medical” £,U1,,-3,pilot\n"
    write(batch, "practices.csv", text.encode("cp1252"))
    import_batch(batch, db_file)
    rec = only_rule(db_file, "practices")
    assert raw(rec)["practice_name"] == "Café “Medical” £"


def test_utf16_refuses_naming_the_file(batch, db_file):
    write(batch, "patients.csv", valid_text("patients").encode("utf-16"))
    err = refused(batch, db_file)
    assert err.file == "patients.csv" and "UTF-16" in err.rule


def test_bytes_neither_utf8_nor_windows_1252_refuse(batch, db_file):
    # 0x81 is Latin-1 (a control character) but has no meaning in Windows-1252.
    write(batch, "practices.csv", valid_text("practices").encode() + b"A86099,Caf\x81,,,1,pilot\n")
    err = refused(batch, db_file)
    assert err.file == "practices.csv" and "0x81" in err.rule


def test_mixed_utf8_and_windows_1252_refuses_rather_than_garbles(batch, db_file):
    """'é' as UTF-8 on one row and '£' as Windows-1252 on another: no single decoding reads
    both, so the file is refused instead of turning 'é' into 'Ã©'."""
    content = valid_text("practices").replace("Elm Surgery", "Café Surgery").encode("utf-8")
    content += "A86099,Oak £ Surgery,,,1,pilot\n".encode("cp1252")
    write(batch, "practices.csv", content)
    err = refused(batch, db_file)
    assert err.file == "practices.csv"
    assert "mix" in err.rule


def test_utf8_bom_with_windows_1252_bytes_refuses(batch, db_file):
    content = b"\xef\xbb\xbf" + valid_text("practices").encode() + b"A86099,Caf\xe9,,,1,pilot\n"
    write(batch, "practices.csv", content)
    err = refused(batch, db_file)
    assert err.file == "practices.csv"


# --- workbooks ----------------------------------------------------------------------------


def test_xlsx_extra_sheet_padded_sheet_name_and_excel_cells(tmp_path, db_file):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for table in BASE_ROWS:
        lines = valid_text(table).strip().split("\n")
        title = " Referrals" if table == "referrals" else table
        ws = wb.create_sheet(title)
        for ln in lines:
            ws.append(ln.split(","))
    notes = wb.create_sheet("Notes")
    notes.append(["exported for the ICB"])
    # Real Excel cells: a date cell, a midnight datetime, a month as a date, numbers as floats.
    ws = wb["contacts"]
    ws.append(["C3", "R1", dt.datetime(2025, 3, 4, 0, 0), "phone", 30.0, "attended"])
    ws = wb["healthcare_use"]
    ws.append(["P2", dt.date(2024, 11, 1), 2.0, 0, 0, 0])
    ws = wb["practices"]
    ws.append(["A86099", "Birch", None, None, 1200.0, None])
    path = tmp_path / "batch.xlsx"
    wb.save(path)
    result = import_batch(path, db_file)
    assert sum(result.rejected.values()) == 0, rejected(db_file)
    assert any("Notes" in w for w in result.warnings)
    assert rows(db_file, "select contact_date, minutes from contacts where contact_id = 'C3'") == [
        (dt.date(2025, 3, 4), 30)
    ]
    assert rows(db_file, "select month from healthcare_use where patient_id = 'P2'") == [
        (dt.date(2024, 11, 1),)
    ]
    assert rows(db_file, "select list_size from practices where practice_code = 'A86099'") == [
        (1200,)
    ]


# --- batches over time --------------------------------------------------------------------


def test_update_of_referrals_only_with_parents_already_loaded(batch, db_file, tmp_path):
    import_batch(batch, db_file)
    later = tmp_path / "later"
    later.mkdir()
    lines = valid_text("referrals").strip().split("\n")
    # R2 is now triaged and accepted; R3 is new, for a patient loaded in the first batch.
    lines[2] = "R2,P2,A86012,15/02/2025,GP,IBS,6,accepted,16/02/2025,W1,,,,"
    lines.append(line("referrals", referral_id="R3", patient_id="P2"))
    write(later, "referrals.csv", "\n".join(lines) + "\n")
    write(later, "contacts.csv", header("contacts") + "\nC9,R3,2025-03-05,phone,10,attended\n")
    result = import_batch(later, db_file)
    assert result.rejected == {"referrals": 0, "contacts": 0}, rejected(db_file)
    assert result.changed == {"referrals": 2, "contacts": 1}
    assert rows(db_file, "select triage_outcome from referrals where referral_id = 'R2'") == [
        ("accepted",)
    ]
    assert count(db_file, "referrals") == 3 and count(db_file, "contacts") == 3
    assert count(db_file, "prescriptions") == 1  # a table not sent is kept


def test_parent_update_keeps_its_children_and_a_bad_update_keeps_the_old_row(
    batch, db_file, tmp_path
):
    import_batch(batch, db_file)
    later = tmp_path / "later"
    later.mkdir()
    # A86012 renamed (fine); P1 moved to a practice nobody sent (rejected: P1 stays as it was).
    write(later, "practices.csv", header("practices") + "\nA86012,Elm Medical Centre,,,9100,\n")
    write(later, "patients.csv", header("patients") + "\nP1,B99999,1970,female,white,3,\n")
    result = import_batch(later, db_file)
    assert result.rejected == {"practices": 0, "patients": 1}
    assert rows(db_file, "select practice_code from patients where patient_id = 'P1'") == [
        ("A86012",)
    ]
    assert rows(db_file, "select count(*) from referrals where practice_code = 'A86012'") == [(2,)]


def test_same_key_twice_with_spaces_is_the_same_key(batch, db_file):
    append_row(batch, "goals", line("goals", goal_id="G2", status="open", closed_date=""))
    append_row(batch, "goals", line("goals", goal_id=" G2 "))
    result = import_batch(batch, db_file)
    assert result.loaded["goals"] == 2 and result.rejected["goals"] == 1
    rec = only_rule(db_file, "goals")
    assert rec["row_number"] == 2 and "appears again later in this file (row 3)" in rec["rule"]
    assert rows(db_file, "select status from goals where goal_id = 'G2'") == [("achieved",)]


def test_practice_code_in_two_cases_is_one_key(batch, db_file):
    append_row(batch, "practices", "a86012,Elm (renamed),,,9000,")
    result = import_batch(batch, db_file)
    assert result.loaded["practices"] == 2 and result.rejected["practices"] == 1
    assert rows(db_file, "select practice_name from practices where practice_code = 'A86012'") == [
        ("Elm (renamed)",)
    ]


# --- raw_row: the row as sent -------------------------------------------------------------


def test_raw_row_keeps_the_row_exactly_as_sent(batch, db_file):
    """Spaces, case, quotes, commas and newlines are kept; the keys are the header names."""
    lines = valid_text("contacts").strip().split("\n")
    lines[0] = " Contact_ID ,referral_id,contact_date,MODE,minutes,attendance,Notes"
    lines[1:] = [ln + "," for ln in lines[1:]]
    lines.append('" C3 ",R1,2025-03-01, Fax ,"1,000","Attended","said ""hi"",\nthen left"')
    write(batch, "contacts.csv", "\n".join(lines) + "\n")
    import_batch(batch, db_file)
    recs = rejected(db_file, "contacts")
    assert {r["column_name"] for r in recs} == {"mode", "minutes"}
    assert raw(recs[0]) == {
        "contact_id": " C3 ",
        "referral_id": "R1",
        "contact_date": "2025-03-01",
        "mode": " Fax ",
        "minutes": "1,000",
        "attendance": "Attended",
        "notes": 'said "hi",\nthen left',
    }


# --- the command line ---------------------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "wellpath", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_rejections_and_warnings_never_print_an_nhs_number(batch, tmp_path):
    db_file = tmp_path / "w.duckdb"
    append_row(batch, "patients", line("patients", patient_id="943 476 5919"))
    append_row(batch, "referrals", line("referrals", referral_id="R9", patient_id="9434765919"))
    (batch / "notes.csv").write_text("patient_id\n9434765919\n")
    done = cli("import", str(batch), "--db", str(db_file))
    assert done.returncode == 0, done.stderr
    assert ": loaded_with_rejections" in done.stdout
    assert "notes.csv" in done.stderr  # the warning is shown
    for text in (done.stdout, done.stderr):
        assert "5919" not in text


def test_cli_refusal_exit_1_names_file_column_and_rule(tmp_path):
    db_file = tmp_path / "w.duckdb"
    import_batch(VALID, db_file)
    before = db_file.read_bytes()
    folder = tmp_path / "b"
    folder.mkdir()
    write(
        folder, "referrals.csv", "referral_id,patient_id,referral_date\nR9,9434765919,2025-01-01\n"
    )
    done = cli("import", str(folder), "--db", str(db_file))
    assert done.returncode == 1
    assert "referrals.csv, column practice_code" in done.stderr
    assert "nothing was changed" in done.stderr
    assert "5919" not in done.stderr + done.stdout
    assert db_file.read_bytes() == before


def test_cli_headerless_file_does_not_echo_the_data(tmp_path):
    folder = tmp_path / "b"
    folder.mkdir()
    write(folder, "patients.csv", f"{NHS},A86012,1970,female,white,3,\n")
    done = cli("import", str(folder), "--db", str(tmp_path / "w.duckdb"))
    assert done.returncode == 1
    assert "5919" not in done.stderr + done.stdout
    assert "header" in done.stderr


def test_cli_batch_id_is_the_recorded_one(tmp_path):
    """A batch_id is printed and recorded; the printed table has one line per table sent."""
    db_file = tmp_path / "w.duckdb"
    done = cli("import", str(VALID), "--db", str(db_file))
    assert done.returncode == 0
    batch_id = done.stdout.split()[1].rstrip(":")
    recorded = rows(
        db_file, "select rows_loaded from import_batches where batch_id = ?", [batch_id]
    )
    assert json.loads(recorded[0][0]) == BASE_ROWS


# --- later additions: dates out of any sensible range, masking beyond patient_id ----------


@pytest.mark.parametrize(
    ("table", "changes", "column", "rule"),
    [
        # A year typed short: 0025-04-03 is a real date, but nothing here is that old.
        (
            "goals",
            {"agreed_date": "0025-04-03"},
            "agreed_date",
            "agreed_date 0025-04-03 is before 1900; check the year",
        ),
        (
            "assessments",
            {"assessment_date": "2099-01-01"},
            "assessment_date",
            "assessment_date 2099-01-01 is in the future",
        ),
        (
            "goals",
            {"closed_date": "01/01/2099"},
            "closed_date",
            "closed_date 01/01/2099 is in the future",
        ),
    ],
)
def test_dates_before_1900_or_of_past_events_in_the_future(
    batch, db_file, table, changes, column, rule
):
    append_row(batch, table, line(table, **changes))
    import_batch(batch, db_file)
    rec = only_rule(db_file, table)
    assert (rec["column_name"], rec["rule"]) == (column, rule)


def test_planned_dates_may_be_in_the_future(batch, db_file):
    """A worker starting next month, and a booked contact, are loaded."""
    soon = TODAY + dt.timedelta(days=30)
    append_row(batch, "link_workers", line("link_workers", start_date=f"{soon:%Y-%m-%d}"))
    append_row(batch, "contacts", line("contacts", contact_date=f"{soon:%Y-%m-%d}", attendance=""))
    result = import_batch(batch, db_file)
    assert result.rejected["link_workers"] == 0 and result.rejected["contacts"] == 0


def test_nhs_number_in_another_column_is_masked_too(batch, db_file):
    """An NHS number pasted into referral_id (or a notes column) is not kept either."""
    lines = valid_text("contacts").strip().split("\n")
    lines[0] += ",notes"
    lines[1:] = [ln + "," for ln in lines[1:]]
    lines.append(f"C3,{NHS},2025-03-01,phone,30,attended,\t943 476 5919")
    write(batch, "contacts.csv", "\n".join(lines) + "\n")
    result = import_batch(batch, db_file)
    assert result.rejected["contacts"] == 1
    recs = rejected(db_file, "contacts")
    # Refused as an NHS number in its own right (contract: in any column, as in patient_id),
    # and as an unknown referral, with the number masked in that rule too.
    assert {r["rule"] for r in recs} == {
        "referral_id holds an NHS number (10 digits passing the Modulus 11 check, however "
        "written); NHS numbers are never stored: send your own identifier or name instead",
        "referral_id (NHS number removed) is not in referrals.csv of this batch nor already loaded",
    }
    for rec in recs:
        assert rec["column_name"] == "referral_id"
        assert raw(rec)["referral_id"] == raw(rec)["notes"] == "(NHS number removed)"
        assert rec["value"] == "(NHS number removed)"


def test_raw_row_keeps_both_columns_sent_under_one_name(batch, db_file):
    lines = valid_text("contacts").strip().split("\n")
    lines[0] += ",notes,Notes,"
    lines[1:] = [ln + ",a,b,c" for ln in lines[1:]]
    lines.append("C3,R1,2025-03-01,phone,999,attended,first,second,third")
    write(batch, "contacts.csv", "\n".join(lines) + "\n")
    import_batch(batch, db_file)
    sent = raw(only_rule(db_file, "contacts"))
    assert (sent["notes"], sent["notes (2)"], sent["column_9"]) == ("first", "second", "third")


def test_password_protected_zip_member_refuses(tmp_path, db_file):
    source = _zip_of_valid(tmp_path / "export.zip")
    data = bytearray(source.read_bytes())
    # Set the 'encrypted' flag bit on every member, in local and central headers alike.
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (at := data.find(sig, start)) >= 0:
            data[at + offset] |= 0x01
            start = at + 4
    source.write_bytes(bytes(data))
    err = refused(source, db_file)
    assert "cannot be taken out of the zip" in err.rule
