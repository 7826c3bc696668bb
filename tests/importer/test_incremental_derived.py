"""After a small batch the importer rebuilds the per-referral derived tables (referral_facts,
assessment_scores, goal_facts, measure_scores, referral_instrument_forms) for the referrals the batch touched only, and skips the
derived tables whose inputs it did not change: the result must be exactly what rebuilding
everything gives, on the fixture batch and on the demo world."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from importer_helpers import append_row, copy_valid

from tests.conftest import DEMO_SEED, DEMO_TODAY, new_database
from wellpath import db
from wellpath.importer import import_batch
from wellpath.importer import load as import_load

PER_REFERRAL = (
    "referral_facts",
    "assessment_scores",
    "goal_facts",
    "measure_scores",
    "referral_instrument_forms",
)


@pytest.fixture
def spy(monkeypatch) -> list[str]:
    """The derive statements run for some referrals only (and every batch counts as small)."""
    calls: list[str] = []
    original = db._rebuild_referrals

    def rebuild(con, text, referrals):
        calls.append(db.DERIVED_TABLE.findall(text)[-1])
        return original(con, text, referrals)

    monkeypatch.setattr(db, "_rebuild_referrals", rebuild)
    monkeypatch.setattr(import_load, "REBUILD_WHOLE_SHARE", 1.0)
    return calls


def differences_from_full_rebuild(db_path: Path) -> dict[str, tuple[int, int, int]]:
    """Per derived table: (rows, rows only in the table as the import left it, rows only in a
    full rebuild)."""
    out = {}
    with db.writer(db_path) as con:
        for name in PER_REFERRAL:
            con.execute(f"create temp table was_{name} as select * from {name}")
        db.apply_derived(con)  # everything, from the contract tables
        for name in PER_REFERRAL:
            (n,) = con.execute(f"select count(*) from {name}").fetchone()
            (only_was,) = con.execute(
                f"select count(*) from (select * from was_{name} except all select * from {name})"
            ).fetchone()
            (only_full,) = con.execute(
                f"select count(*) from (select * from {name} except all select * from was_{name})"
            ).fetchone()
            out[name] = (n, only_was, only_full)
    return out


def test_a_small_batch_rebuilds_its_referrals_only_and_matches_a_full_rebuild(
    tmp_path: Path, db_file: Path, spy: list[str]
):
    import_batch(copy_valid(tmp_path / "first"), db_file)
    assert spy == []  # the first batch into an empty file builds everything
    second = tmp_path / "second"
    second.mkdir()
    shutil.copy(tmp_path / "first" / "contacts.csv", second / "contacts.csv")
    # C2 moves from R1 to R2 and is attended; a new contact for R2.
    text = (second / "contacts.csv").read_text(encoding="utf-8")
    text = text.replace("C2,R1,2025-02-01,phone,30,dna", "C2,R2,2025-03-02,phone,30,attended")
    (second / "contacts.csv").write_text(text, encoding="utf-8")
    append_row(second, "contacts", "C3,R2,2025-03-09,face_to_face,45,attended")
    # P2's deprivation changes (R2's imd_quintile); G1 is achieved; R2 gains a questionnaire.
    (second / "patients.csv").write_text(
        "patient_id,practice_code,birth_year,sex,ethnic_group,imd_decile,cohort\n"
        "P2,A86012,1985,male,asian,2,referred\n",
        encoding="utf-8",
    )
    (second / "goals.csv").write_text(
        "goal_id,referral_id,domain,agreed_date,status,closed_date\n"
        "G1,R1,getting_active,2025-02-01,achieved,2025-03-01\n",
        encoding="utf-8",
    )
    header = (tmp_path / "first" / "assessments.csv").read_text(encoding="utf-8").splitlines()[0]
    (second / "assessments.csv").write_text(
        header + "\nA9,R2,SWEMWBS,2025-03-09,4,4,4,4,4,4,4,,,,,,,,28\n", encoding="utf-8"
    )
    result = import_batch(second, db_file)
    assert result.changed == {"patients": 1, "contacts": 2, "goals": 1, "assessments": 1}
    assert sorted(spy) == sorted(PER_REFERRAL)
    diffs = differences_from_full_rebuild(db_file)
    assert all(only_was == only_full == 0 for _, only_was, only_full in diffs.values()), diffs
    con = db.connect_read_only(db_file)
    try:
        facts = con.execute(
            "select referral_id, contacts_total, contacts_attended, goals_achieved, imd_quintile "
            "from referral_facts order by referral_id"
        ).fetchall()
    finally:
        con.close()
    # By hand: R1 keeps C1 (attended) and its achieved goal; R2 has C2 and C3, both attended,
    # and P2's decile 2 is quintile 1.
    assert facts == [("R1", 1, 1, 1, 2), ("R2", 2, 2, 0, 1)]


def test_an_unchanged_batch_rebuilds_no_derived_table(tmp_path: Path, db_file: Path, spy):
    import_batch(copy_valid(tmp_path / "first"), db_file)
    runs: list[str] = []
    con_execute = db.apply_derived

    def apply(con, changed=None, by_referral=None):
        runs.append(",".join(sorted(changed or ())))
        return con_execute(con, changed, by_referral)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(db, "apply_derived", apply)
        result = import_batch(copy_valid(tmp_path / "again"), db_file)
    assert result.status == "unchanged"
    assert runs == [""]
    assert spy == []


def _mutated_month(batch: Path, out: Path, month: str) -> None:
    """A month's batch of the demo world with rows changed: contacts attended or not and some
    moved to another referral of the same practice-month batch, patients' deprivation,
    questionnaires moved between referrals, goals moved."""
    from wellpath.bench import write_monthly_batch

    write_monthly_batch(batch, out, month)
    con = duckdb.connect()
    try:
        edits = {
            "contacts": (
                "* replace (case when n % 3 = 0 then (case when attendance = 'attended' "
                "then 'dna' else 'attended' end) else attendance end as attendance, "
                "case when n % 5 = 0 then coalesce(lead(referral_id) over (order by n), "
                "referral_id) else referral_id end as referral_id)"
            ),
            "patients": (
                "* replace (case when n % 4 = 0 and imd_decile is not null then "
                "((imd_decile::integer % 10) + 1)::varchar else imd_decile end as imd_decile)"
            ),
            "assessments": (
                "* replace (case when n % 7 = 0 then coalesce(lead(referral_id) over "
                "(order by n), referral_id) else referral_id end as referral_id)"
            ),
            "goals": (
                "* replace (case when n % 6 = 0 then coalesce(lead(referral_id) over "
                "(order by n), referral_id) else referral_id end as referral_id)"
            ),
        }
        for name, select in edits.items():
            path = out / f"{name}.csv"
            if not path.exists():
                continue
            con.execute(
                f"create or replace table t as select row_number() over () as n, * "
                f"from read_csv('{path}', all_varchar = true)"
            )
            con.execute(
                f"copy (select {select.replace('* replace', '* exclude (n) replace')} "
                f"from t order by n) to '{path}' (header)"
            )
    finally:
        con.close()


def test_a_demo_month_with_changes_matches_a_full_rebuild(
    tmp_path: Path, demo_db: Path, spy: list[str]
):
    from wellpath import demo

    if not isinstance(db.target_for(demo_db), Path):
        pytest.skip("copies the demo file")
    copy = new_database(tmp_path / "demo.duckdb")
    shutil.copy2(demo_db, copy)
    batch = tmp_path / "batch"
    demo.make_batch(batch, scale="demo", seed=DEMO_SEED, today=DEMO_TODAY)
    month = tmp_path / "month"
    _mutated_month(batch, month, "2026-09")
    result = import_batch(month, copy, is_demo=True)
    assert result.changed.get("contacts", 0) > 10
    assert result.changed.get("patients", 0) > 10
    assert sorted(set(spy)) == sorted(PER_REFERRAL)
    diffs = differences_from_full_rebuild(copy)
    assert all(n > 0 for n, _, _ in diffs.values())
    assert all(only_was == only_full == 0 for _, only_was, only_full in diffs.values()), diffs
