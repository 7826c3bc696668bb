"""The Newcastle figures embedded in wellpath.demo.reference equal the published files.

Sources (../shared/fixtures/reference/, OGL v3): NHS Payments to General Practice 2022/23,
Patients Registered at a GP Practice Oct 2025-Mar 2026, IMD 2019 by LSOA, Fingertips 93553.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tests.conftest import SHARED_FIXTURES
from wellpath.demo.reference import NEWCASTLE_POPULATION_BY_IMD_DECILE, PRACTICES

REF = SHARED_FIXTURES / "reference"
pytestmark = pytest.mark.skipif(not REF.exists(), reason="shared reference fixtures not present")


def test_practices_match_payments_2022_23():
    pay = pd.read_csv(REF / "newcastle_gp_practices_payments_2014_2023.csv")
    pay = pay[pay.financial_year == "2022/23"].set_index("practice_code")
    for p in PRACTICES:
        row = pay.loc[p.practice_code]
        assert row.practice_name == p.practice_name.upper()
        assert row.pcn_code == p.pcn_code
        assert row.pcn_name == p.pcn_name.upper()
        assert abs(row.registered_patients_last_known - p.list_size_2022_23) <= 0.5


def test_list_sizes_match_the_monthly_publication():
    sizes = pd.read_csv(REF / "newcastle_gateshead_13T_gp_list_sizes_2025_2026.csv")
    for p in PRACTICES:
        mine = sorted((d.isoformat(), n) for d, n in p.list_sizes)
        rows = sizes[sizes["CODE"].eq(p.practice_code)]
        theirs = sorted(zip(rows.EXTRACT_DATE, rows.NUMBER_OF_PATIENTS, strict=True))
        assert mine == theirs, p.practice_code


def test_newest_list_size_on_a_date():
    west_road = PRACTICES[0]
    assert west_road.practice_code == "A86012"
    assert west_road.list_size_on(dt.date(2025, 6, 1)) == 10724  # 2022/23: nothing newer yet
    assert west_road.list_size_on(dt.date(2025, 11, 15)) == 12486  # November 2025 extract
    assert west_road.list_size_on(dt.date(2026, 11, 1)) == 12382  # March 2026 extract


def test_imd_population_and_scores():
    lsoa = pd.read_csv(REF / "newcastle_lsoa11_imd2019.csv")
    by_decile = lsoa.groupby("imd2019_decile").population_mid2015_excl_prisoners.sum()
    assert tuple(by_decile.loc[range(1, 11)]) == NEWCASTLE_POPULATION_BY_IMD_DECILE
    scores = pd.read_csv(REF / "newcastle_practice_imd_score_fingertips_93553.csv")
    scores = scores[scores.imd_year == 2019].set_index("practice_code")
    for p in PRACTICES:
        assert scores.loc[p.practice_code, "imd_score_practice_weighted"] == pytest.approx(
            p.imd_score_2019
        )
