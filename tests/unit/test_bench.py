"""The benchmark's pure parts: target verdicts, the table, the report sections, the monthly
batch, child-process memory, and the pandas way against Wellpath's SQL on the fixtures."""

from __future__ import annotations

import datetime as dt
import sys

import numpy as np
import pandas as pd
import pytest

from tests.conftest import FIXTURES, build_fixture_db
from wellpath import bench, db
from wellpath import bench_pandas as bp


def test_target_judgement_and_gap():
    t = bench.Target("page cold", 1.5, "s")
    assert t.judge(1.5) == ("met", "")
    assert t.judge(6.0) == ("not met", "4.50 s over (4.0x)")
    assert t.judge(None) == ("not measured", "")
    ratio = bench.Target("vs pandas", 10, "x", at_least=True)
    assert ratio.judge(12.0) == ("met", "")
    assert ratio.judge(2.5) == ("not met", "4.0x short")
    errors = bench.Target("errors", 0, "count")
    assert errors.judge(0) == ("met", "")
    assert errors.judge(3)[0] == "not met"


def test_values_are_formatted_with_units():
    assert bench.fmt_value(0.1234, "s") == "0.12 s"
    assert bench.fmt_value(65.04, "s") == "65.0 s"
    assert bench.fmt_value(864, "MB") == "864 MB"
    assert bench.fmt_value(19.0 * 1024, "MB") == "19.00 GB"
    assert bench.fmt_value(26.04, "x") == "26.0x"
    assert bench.fmt_value(None, "s") == "–"


def test_markdown_table_right_aligns_numeric_columns_only():
    text = bench.markdown_table(["page", "cold"], [["Caseload", "3.00 s"], ["Outcomes", "–"]])
    lines = text.splitlines()
    assert lines[0] == "| page | cold |"
    assert lines[1] == "|---|---:|"
    assert lines[2] == "| Caseload | 3.00 s |"
    assert len(lines) == 4


def test_percentile_is_numpy_linear():
    values = [0.3, 5.1, 2.2, 9.9, 1.0, 4.4, 7.0]
    for q in (0, 0.5, 0.95, 1):
        assert bench.percentile(values, q) == pytest.approx(np.quantile(values, q))
    assert bench.percentile([], 0.95) is None


def test_replace_section_keeps_the_rest_of_the_document():
    text = "# Performance\n\nintro\n\n<!-- BENCH:START -->\nold\n<!-- BENCH:END -->\n\nafter\n"
    new = bench.replace_section(text, "bench", "new table")
    assert (
        new
        == "# Performance\n\nintro\n\n<!-- BENCH:START -->\nnew table\n<!-- BENCH:END -->\n\nafter\n"
    )
    appended = bench.replace_section(new, "load", "load result")
    assert appended.endswith("<!-- LOAD:START -->\nload result\n<!-- LOAD:END -->\n")
    assert "new table" in appended


def test_page_list_comes_from_the_router():
    pages = bench.dashboard_pages()
    assert pages[0] == ("pages/overview.py", "Overview")  # the default page comes first
    assert all(p.startswith("pages/") and p.endswith(".py") for p, _ in pages)
    assert bench.url_path("pages/healthcare_use.py") == "healthcare_use"


def test_child_peak_memory_is_measured():
    code = "import time; x = b'x' * (300 * 2**20); time.sleep(0.3); print('ok')"
    run = bench.run_child([sys.executable, "-c", code])
    assert run.returncode == 0 and run.stdout.strip() == "ok"
    assert 300 <= run.peak_mb < 400
    # a big parent does not make its children look big (wait4's ru_maxrss would)
    ballast = b"x" * (500 * 2**20)
    small = bench.run_child([sys.executable, "-c", "import time; time.sleep(0.3)"])
    assert small.peak_mb < 100
    del ballast


def test_monthly_batch_holds_that_months_rows(tmp_path):
    rows = bench.write_monthly_batch(FIXTURES / "service", tmp_path, "2026-03")
    # contacts dated in March 2026 in the fixture: C04, C08, C10, C11
    assert rows["contacts"] == 4
    contacts = pd.read_csv(tmp_path / "contacts.csv")
    assert sorted(contacts["contact_id"]) == ["C04", "C08", "C10", "C11"]
    # every contact's referral is in the database already or in the batch; patients of the
    # batch's referrals come with them
    referrals = pd.read_csv(tmp_path / "referrals.csv")
    patients = pd.read_csv(tmp_path / "patients.csv")
    assert set(referrals["patient_id"]) <= set(patients["patient_id"])
    assert (tmp_path / "practices.csv").read_text() == (
        FIXTURES / "service" / "practices.csv"
    ).read_text()


CASES = [
    ("service", bp.Period(dt.date(2026, 1, 1), dt.date(2026, 9, 30))),
    ("outcomes", bp.Period(dt.date(2025, 1, 1), dt.date(2026, 12, 31))),
]


@pytest.fixture(scope="module")
def fixture_dbs(tmp_path_factory):
    out = {}
    for name, _ in CASES:
        path = tmp_path_factory.mktemp(name) / "f.duckdb"
        out[name] = build_fixture_db(FIXTURES / name, path)
    return out


def _sql(path, comp: bp.Computation, period: bp.Period) -> pd.DataFrame:
    con = db.connect_read_only(path)
    try:
        codes = [r[0] for r in con.execute("select practice_code from practices").fetchall()]
        params = {"start_date": period.start_date, "end_date": period.end_date,
                  "report_date": period.report_date, "practice_codes": codes,
                  "conditions": None, "worker_ids": None, **dict(comp.sql_extra)}  # fmt: skip
        return db.run_query(con, comp.sql_query, params)
    finally:
        con.close()


@pytest.mark.parametrize(("fixture", "period"), CASES, ids=[c[0] for c in CASES])
def test_pandas_way_agrees_with_the_sql(fixture_dbs, fixture, period):
    folder = FIXTURES / fixture
    checked = 0
    for comp in bp.COMPUTATIONS:
        if not all((folder / f"{t}.csv").exists() for t in comp.tables):
            continue
        frame = comp.func(bp.read_tables(folder, list(comp.tables)), period)
        sql = _sql(fixture_dbs[fixture], comp, period)
        assert len(frame) > 0, comp.label
        assert bp.compare(comp.label, frame, sql) == "", comp.label
        checked += 1
    assert checked >= 4  # service: no questionnaires or healthcare use; outcomes: no contacts


def test_compare_reports_a_difference(fixture_dbs):
    period = CASES[0][1]
    comp = next(c for c in bp.COMPUTATIONS if c.label == "waits")
    frame = comp.func(bp.read_tables(FIXTURES / "service", ["referrals"]), period)
    sql = _sql(fixture_dbs["service"], comp, period)
    frame.loc[0, "median_wait_days"] += 0.5
    assert bp.compare("waits", frame, sql).startswith("column median_wait_days")
    assert "rows" in bp.compare("waits", pd.concat([frame, frame]), sql)


def test_contacts_per_person_bands_by_hand():
    referrals = pd.DataFrame(
        {
            "referral_id": ["R1", "R2", "R3", "R4"],
            "triage_outcome": ["accepted", "accepted", "accepted", "declined"],
            "discharge_date": pd.to_datetime(
                ["2026-02-01", "2026-03-01", "2026-03-05", "2026-03-01"]
            ),
        }
    )
    contacts = pd.DataFrame(
        {
            "referral_id": ["R1"] * 3 + ["R2"] * 7 + ["R4"] * 2,
            "attendance": ["attended", "attended", "dna"] + ["attended"] * 7 + ["attended"] * 2,
        }
    )
    period = bp.Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    got = bp.contacts_per_person({"referrals": referrals, "contacts": contacts}, period)
    # R1: 2 attended (band 1-2), R2: 7 (6-12), R3: none; R4 was not accepted
    assert got["person_count"].tolist() == [1, 1, 0, 1, 0, 0]
    assert got["completed_count"].iloc[0] == 3
    assert got["median_attended_contacts"].iloc[0] == 2.0


def test_pages_table_and_targets_show_the_widget_click():
    page = {"page": "pages/caseload.py", "title": "Caseload and waits", "cold_s": 1.2,
            "warm_s": 0.2, "peak_mb": 300.0, "errors": [], "charts": 8, "cold_runs": [1.2],
            "click_s": 0.15, "click_widget": "radio 'Compare by'"}  # fmt: skip
    report = bench.Report("icb", {"date": "2026-12-02"}, {"rows": {}}, pages=[page])
    text = bench.render(report)
    row = next(line for line in text.splitlines() if line.startswith("| Caseload and waits"))
    assert "| 0.15 s |" in row and "radio 'Compare by'" in row and "widget clicked" in text
    widget_row = next(r for r in bench.target_rows(report) if r[0].startswith("a widget click"))
    assert widget_row[2] == bench.fmt_value(0.15, "s") and "Compare by" in widget_row[3]
    assert widget_row[4] == bench.TARGETS["widget"].judge(0.15)[0]
