"""The declared contract agrees with the schema, the spec and the NHS number rule."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from wellpath import contract, db

SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec" / "data-contract.md"


def test_contract_tables_match_the_schema_columns_in_order():
    con = duckdb.connect()
    db.ensure_schema(con)
    for table in contract.TABLES:
        cols = [r[0] for r in con.execute(f"describe {table.name}").fetchall()]
        assert tuple(cols) == table.column_names, table.name
        # Keys are the importer's to keep (see schema.sql and tests/importer): no declared
        # primary key, whose index cost more than the rest of a national import; every key
        # column is NOT NULL.
        pk = con.execute(
            "select count(*) from duckdb_constraints() "
            "where table_name = ? and constraint_type = 'PRIMARY KEY'",
            [table.name],
        ).fetchone()[0]
        assert pk == 0, table.name
        nullable = dict(
            con.execute(
                "select column_name, is_nullable from information_schema.columns "
                "where table_name = ?",
                [table.name],
            ).fetchall()
        )
        assert all(nullable[k] == "NO" for k in table.key), table.name


@pytest.mark.skipif(not SPEC.exists(), reason="shared spec not present")
def test_contract_columns_and_codes_match_the_spec():
    """Every column row of the spec's tables is declared here, with the same code lists."""
    text = SPEC.read_text(encoding="utf-8")
    sections = re.split(r"^### (\w+)\.csv", text, flags=re.M)[1:]
    spec = dict(zip(sections[::2], sections[1::2], strict=True))
    assert set(spec) == set(contract.TABLE_NAMES)
    for name, body in spec.items():
        declared = contract.table(name)
        for row in re.findall(r"^\| (\w+(?: \.\. \w+)?) \|(.*)$", body, flags=re.M):
            col, rest = row
            if col == "column":
                continue
            if ".." in col:
                assert set(contract.ITEM_COLUMNS) <= set(declared.column_names)
                continue
            column = declared.column(col)
            if "| code |" in "|" + rest:
                # The codes come before any "; only when ..." (goals.barrier names statuses).
                codes = re.findall(r"`(\w+)`", rest.split(";")[0])
                assert set(codes) == set(column.codes), (name, col)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # 9434765919: 9*10+4*9+3*8+4*7+7*6+6*5+5*4+9*3+1*2 = 299; 299 mod 11 = 2; 11-2 = 9. Valid.
        ("9434765919", True),
        ("943 476 5919", True),
        ("9434765918", False),  # wrong check digit
        # 0000000060: only the ninth digit weighs: 6*2 = 12; 12 mod 11 = 1; 11-1 = 10, which
        # can never be a check digit, so no number starting 000000006 is valid.
        ("0000000060", False),
        # 4010232137: 40+0+8+0+12+15+8+3+6 = 92; 92 mod 11 = 4; 11-4 = 7. Valid.
        ("4010232137", True),
        ("401023213", False),  # nine digits
        ("P-401023", False),
    ],
)
def test_is_nhs_number(value, expected):
    assert contract.is_nhs_number(value) is expected


def test_nhs_number_sql_agrees_with_python():
    from wellpath.importer.rules import nhs_number_sql

    con = duckdb.connect()
    values = ["9434765919", "943 476 5919", "9434765918", "0000000060", "4010232137", "abc", ""]
    for v in values:
        got = con.execute(f"select coalesce({nhs_number_sql('$v')}, false)", {"v": v}).fetchone()[0]
        assert got is contract.is_nhs_number(v), v


def test_instrument_item_ranges_match_measures():
    # measures.md: PSEQ 10 items 0-6, PSEQ2 2 items 0-6, SWEMWBS 7 items 1-5, WEMWBS 14 items
    # 1-5, ONS4 4 items 0-10, PSFS up to 5 items 0-10, WBSTAR 8 items 1-10.
    got = {k: (i.item_count, i.item_min, i.item_max) for k, i in contract.INSTRUMENTS.items()}
    assert got == {
        "PSEQ": (10, 0, 6),
        "PSEQ2": (2, 0, 6),
        "SWEMWBS": (7, 1, 5),
        "WEMWBS": (14, 1, 5),
        "ONS4": (4, 0, 10),
        "PSFS": (5, 0, 10),
        "WBSTAR": (8, 1, 10),
    }
    # Totals: the sum of the item ranges (SWEMWBS raw 7-35), PSFS a mean 0-10, ONS4 none.
    for i in contract.INSTRUMENTS.values():
        if i.total_rule == "sum":
            assert (i.total_min, i.total_max) == (
                i.item_count * i.item_min,
                i.item_count * i.item_max,
            )
