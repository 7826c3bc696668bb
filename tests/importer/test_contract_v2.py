"""Version 2 of the data contract: practice_engagement, goals.barrier and stories.

As for version 1 (test_row_rules.py), each case sends a v2 file whose rows are good in every
way but the last one, which breaks one rule: that row is rejected with its reason, the
good rows load. A version-1 batch still imports as it did; a batch of v2 files alone refers
to rows already loaded.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from importer_helpers import BASE_ROWS, VALID, copy_valid, rejected, rows

from wellpath import contract
from wellpath.importer import import_batch
from wellpath.importer.rules import NHS_NUMBER_MASK

TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()

GOOD = {
    "practice_engagement": {
        "engagement_id": "E1",
        "practice_code": "A86012",
        "worker_id": "W1",
        "engagement_date": "2025-02-05",
        "kind": "mdt_meeting",
        "minutes": "60",
    },
    "goals": {
        "goal_id": "G2",
        "referral_id": "R1",
        "domain": "community_groups",
        "agreed_date": "2025-02-01",
        "status": "not_achieved",
        "closed_date": "2025-05-01",
        "barrier": "transport",
    },
    "stories": {
        "story_id": "S1",
        "referral_id": "R1",
        "story_date": "2025-06-01",
        "consent": "publishable",
        "title": "Back at the walking group",
        "text": "I walk 5,000 steps on Thursdays now, and since 2024 I have met 12 new people.",
    },
}


def write(folder: Path, table: str, *rows_: dict[str, str], keep_v1: bool = True) -> None:
    """A v2 file with the contract's full header (goals: the valid batch's rows kept first,
    unless keep_v1 is False)."""
    cols = contract.table(table).column_names
    path = folder / f"{table}.csv"
    existing: list[dict[str, str]] = []
    if table == "goals" and keep_v1:
        with open(VALID / "goals.csv", encoding="utf-8") as fh:
            existing = list(csv.DictReader(fh))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        for r in [*existing, *rows_]:
            w.writerow({c: r.get(c, "") for c in cols})


def base_count(table: str) -> int:
    return BASE_ROWS.get(table, 0)


# (table, changes, column, fragment of the rule sentence)
CASES = [
    ("practice_engagement", {"engagement_id": ""}, "engagement_id", "is empty; it is required"),
    ("practice_engagement", {"engagement_id": "E" * 65}, "engagement_id", "65 characters long"),
    ("practice_engagement", {"practice_code": "B12345"}, "practice_code", "is not in practices"),
    ("practice_engagement", {"practice_code": "12345"}, "practice_code", "not an ODS"),
    ("practice_engagement", {"practice_code": ""}, "practice_code", "is empty; it is required"),
    ("practice_engagement", {"worker_id": "W9"}, "worker_id", "W9 is not in link_workers.csv"),
    ("practice_engagement", {"worker_id": ""}, "worker_id", "is empty; it is required"),
    ("practice_engagement", {"engagement_date": ""}, "engagement_date", "is empty"),
    ("practice_engagement", {"engagement_date": TOMORROW}, "engagement_date", "in the future"),
    ("practice_engagement", {"engagement_date": "31/02/2025"}, "engagement_date", "not a real"),
    ("practice_engagement", {"kind": "lunch"}, "kind", "'lunch' is not one of the codes"),
    ("practice_engagement", {"kind": ""}, "kind", "kind is empty; it is required"),
    ("practice_engagement", {"minutes": "-1"}, "minutes", "it must be from 0 to 480"),
    ("practice_engagement", {"minutes": "481"}, "minutes", "minutes is 481; it must be from 0"),
    ("practice_engagement", {"minutes": "an hour"}, "minutes", "is not a whole number"),
    ("goals", {"barrier": "weather"}, "barrier", "'weather' is not one of the codes"),
    ("goals", {"status": "achieved"}, "barrier", "is given but status is achieved"),
    ("goals", {"status": "open", "closed_date": ""}, "barrier", "status is open"),
    ("goals", {"status": ""}, "barrier", "status is empty"),
    ("stories", {"story_id": ""}, "story_id", "story_id is empty; it is required"),
    ("stories", {"referral_id": "R9"}, "referral_id", "R9 is not in referrals.csv"),
    ("stories", {"story_date": ""}, "story_date", "story_date is empty; it is required"),
    ("stories", {"story_date": TOMORROW}, "story_date", "is in the future"),
    ("stories", {"consent": "yes"}, "consent", "'yes' is not one of the codes"),
    ("stories", {"consent": ""}, "consent", "consent is empty; it is required"),
    ("stories", {"title": ""}, "title", "title is empty; it is required"),
    ("stories", {"title": "t" * 121}, "title", "title is 121 characters long; it may be at"),
    ("stories", {"text": ""}, "text", "text is empty; it is required"),
    (
        "stories",
        {"text": "x" * 2001},
        "text",
        "text is 2001 characters long; it may be at most 2,000",
    ),
    # 943 476 5919 passes Modulus 11 (see test_row_rules.py).
    ("stories", {"text": "My number is 943 476 5919, ta"}, "text", "holds an NHS number"),
    ("stories", {"text": "NHS no 9434765919."}, "text", "holds an NHS number"),
    ("stories", {"text": "ref 943-476-5919"}, "text", "holds an NHS number"),
    ("stories", {"title": "Story of 9434765919"}, "title", "holds an NHS number"),
    ("stories", {"text": "Write to jo.bloggs@example.org"}, "text", "contains an e-mail"),
    ("stories", {"title": "a@b.co.uk"}, "title", "contains an e-mail"),
    ("stories", {"text": "Ring me on 0191 496 0123"}, "text", "contains a phone number"),
    ("stories", {"text": "mobile 07700 900123 any time"}, "text", "contains a phone number"),
    ("stories", {"text": "call +44 (0)20 7946 0958"}, "text", "contains a phone number"),
    ("stories", {"text": "tel: 01632960001"}, "text", "contains a phone number"),
    ("stories", {"text": "I live at NE4 6BE now"}, "text", "contains a postcode"),
    ("stories", {"text": "moved to sw1a 1aa"}, "text", "contains a postcode"),
    ("stories", {"text": "near M1 1AE, the station"}, "text", "contains a postcode"),
    ("stories", {"title": "From B338TH"}, "title", "contains a postcode"),
]


@pytest.mark.parametrize(("table", "changes", "column", "fragment"), CASES)
def test_one_bad_v2_row_is_rejected_with_its_reason(
    batch, db_file, table, changes, column, fragment
):
    good = GOOD[table]
    bad = {**good, **changes, contract.table(table).key[0]: changes.get(
        contract.table(table).key[0], good[contract.table(table).key[0]] + "X"
    )}  # fmt: skip
    write(batch, table, good, bad)
    result = import_batch(batch, db_file)

    n_good = base_count(table) + 1
    assert result.rejected[table] == 1, rejected(db_file, table)
    assert result.loaded[table] == n_good
    recs = [r for r in rejected(db_file, table) if r["column_name"] == column]
    assert recs, rejected(db_file, table)
    assert recs[0]["row_number"] == n_good + 1
    assert any(fragment in r["rule"] for r in recs), [r["rule"] for r in recs]
    (count,) = rows(db_file, f"select count(*) from {table}")[0]
    assert count == n_good


@pytest.mark.parametrize("status", contract.UNMET_STATUSES)
def test_barrier_loads_with_each_unmet_status(batch, db_file, status):
    write(batch, "goals", {**GOOD["goals"], "status": status, "barrier": "COST"})
    result = import_batch(batch, db_file)
    assert result.rejected["goals"] == 0, rejected(db_file)
    assert rows(db_file, "select status, barrier from goals where goal_id = 'G2'") == [
        (status, "cost")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "x" * 2000,  # exactly the limit
        "My scores went from 12 to 31 between 2024-05-01 and 2025-03-01.",
        "I rang 999 once; my list number is 1234567890 (fails Modulus 11, not an NHS number).",
        "Walked 10,000 steps, 3 days a week, at the M1 junction and the A1 road.",
        "Met at 10am on 12/03/2025, room 2B.",
    ],
)
def test_stories_that_identify_no_one_load(batch, db_file, text):
    write(batch, "stories", {**GOOD["stories"], "text": text, "title": "t" * 120})
    result = import_batch(batch, db_file)
    assert result.rejected.get("stories") == 0, rejected(db_file)
    assert rows(db_file, "select text from stories") == [(text,)]


def test_a_refused_story_keeps_nothing_identifying(batch, db_file):
    text = "Email jo@example.org, ring 0191 496 0123, NE4 6BE, NHS 943 476 5919."
    write(batch, "stories", {**GOOD["stories"], "text": text})
    import_batch(batch, db_file)
    recs = rejected(db_file, "stories")
    assert {r["rule"].split(";")[0] for r in recs} == {
        "text holds an NHS number (10 digits passing the Modulus 11 check, however written)",
        "text contains an e-mail address",
        "text contains a phone number",
        "text contains a postcode",
    }
    stored = json.dumps(recs)
    for secret in ("jo@example.org", "496 0123", "NE4 6BE", "943 476 5919", "9434765919"):
        assert secret not in stored
    # the value beside a story rule is empty; beside the NHS-number rule it is the mask
    assert all(r["value"] in (None, NHS_NUMBER_MASK) for r in recs)
    assert json.loads(recs[0]["raw_row"])["text"].startswith("Email (e-mail address removed)")


def test_a_version_1_batch_imports_as_before(batch, db_file):
    result = import_batch(batch, db_file)
    assert result.loaded == BASE_ROWS and sum(result.rejected.values()) == 0
    assert rows(db_file, "select goal_id, barrier from goals") == [("G1", None)]
    assert rows(db_file, "select count(*) from practice_engagement")[0] == (0,)
    assert rows(db_file, "select count(*) from stories")[0] == (0,)


def test_a_batch_of_v2_files_alone_refers_to_rows_already_loaded(batch, db_file, tmp_path):
    import_batch(batch, db_file)
    v2 = tmp_path / "v2"
    v2.mkdir()
    write(v2, "practice_engagement", GOOD["practice_engagement"])
    write(
        v2, "stories", GOOD["stories"], {**GOOD["stories"], "story_id": "S2", "referral_id": "R7"}
    )
    write(v2, "goals", {**GOOD["goals"], "goal_id": "G1", "status": "withdrawn"}, keep_v1=False)
    result = import_batch(v2, db_file)
    assert result.loaded == {"goals": 1, "practice_engagement": 1, "stories": 1}
    assert result.rejected == {"goals": 0, "practice_engagement": 0, "stories": 1}
    assert rows(db_file, "select goal_id, status, barrier from goals") == [
        ("G1", "withdrawn", "transport")
    ]
    assert rows(db_file, "select kind, minutes from practice_engagement") == [("mdt_meeting", 60)]
    (rule,) = rows(db_file, "select rule from rejected_rows where table_name = 'stories'")[0]
    assert "R7 is not in referrals.csv of this batch nor already loaded" in rule


def test_a_database_built_before_version_2_gains_the_new_column(batch, db_file):
    """A file whose goals table has no barrier column (built by version 1) is upgraded by
    the next import, its rows kept."""
    con = duckdb.connect(str(db_file))
    con.execute(
        "create table goals (goal_id varchar primary key, referral_id varchar not null, "
        "domain varchar, agreed_date date not null, status varchar, closed_date date)"
    )
    con.execute("insert into goals values ('G0', 'R1', 'other', date '2025-01-01', 'open', null)")
    con.close()
    write(batch, "goals", GOOD["goals"])
    import_batch(batch, db_file)
    assert rows(db_file, "select goal_id, barrier from goals order by goal_id") == [
        ("G0", None),
        ("G1", None),
        ("G2", "transport"),
    ]


def test_new_tables_follow_the_contract_in_the_schema(db_file, batch):
    import_batch(batch, db_file)
    for name in ("practice_engagement", "stories", "goals"):
        cols = [r[0] for r in rows(db_file, f"describe {name}")]
        assert cols == list(contract.table(name).column_names)


def test_copy_valid_still_a_version_1_batch(tmp_path):
    folder = copy_valid(tmp_path / "b")
    header = (folder / "goals.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "barrier" not in header
