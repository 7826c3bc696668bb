"""The Healthcare use page reads healthcare_use_before_after's people summed in SQL
(queries/healthcare_use_summary.sql) instead of one row per
person. These tests prove every figure it works out from the sums (wellpath.views.healthcare:
use summary, difference in differences, frequent attenders, cost change and its comparison,
the distribution of change, the referred count of the secondary suppression) equal to what
wellpath.costs gives from the person rows, on the outcomes fixture and the demo world, under
practice, condition and link-worker filters and both after-windows. The counts are equal
exactly; means, SDs and intervals to 1e-9 (the sums are exact whole numbers, so the two
differ only in floating-point rounding, far below the 2 decimals shown)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from tests.sql.test_healthcare_windows import _cases, demo_con, fixture_con  # noqa: F401
from wellpath import costs, db, payments
from wellpath.views import contract_tracker as ct
from wellpath.views import healthcare as view

PRICES = [
    costs.default_costs(),
    {"gp_appointments": 42.5, "ae_attendances": 359.0, "outpatient_attendances": 137.25,
     "nonelective_admissions": 2871.0},
    {"gp_appointments": None, "ae_attendances": 200.0, "outpatient_attendances": None,
     "nonelective_admissions": 1500.5},
]  # fmt: skip


def _close(a: float, b: float) -> bool:
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return (a is None or math.isnan(a)) and (b is None or math.isnan(b))
    return a == pytest.approx(b, rel=1e-9, abs=1e-9)


def _assert_frames_close(new: pd.DataFrame, old: pd.DataFrame) -> None:
    assert list(new.columns) == list(old.columns)
    assert len(new) == len(old)
    for col in new.columns:
        for a, b in zip(new[col], old[col], strict=True):
            if isinstance(a, str) or isinstance(b, str):
                assert a == b, col
            else:
                assert _close(float(a), float(b)), (col, a, b)


def _did_close(new, old) -> None:  # noqa: ANN001
    assert (new.n_referred, new.n_comparison) == (old.n_referred, old.n_comparison)
    for field in ("change_referred", "change_comparison", "difference", "std_err", "df",
                  "ci_low", "ci_high"):  # fmt: skip
        assert _close(getattr(new, field), getattr(old, field)), field


def _check(con, params: dict) -> int:  # noqa: ANN001
    rows = db.run_query(con, "healthcare_use_before_after", params)
    sums = db.run_query(
        con,
        "healthcare_use_summary",
        {**params, "frequent_at": costs.FREQUENT_ATTENDER_GP_APPOINTMENTS},
    )
    for window in (1, 2):
        mine = rows[rows["after_window"] == window]
        referred = mine[mine["cohort"] == "referred"]
        compared = mine[mine["cohort"] == "comparison"]
        s_ref = view._pick_sums(sums, window, "referred", False)
        s_cmp = view._pick_sums(sums, window, "comparison", False)
        assert (s_ref.person_n, s_cmp.person_n) == (len(referred), len(compared))
        groups = [("referred", window, s_ref)] + (
            [("comparison", window, s_cmp)] if len(compared) else []
        )
        if len(mine):
            _assert_frames_close(view._use_summary(groups), costs.use_summary(mine))
        # frequent attenders, both cohorts
        for cohort, frame in (("referred", referred), ("comparison", compared)):
            frequent = costs.frequent_attenders(frame)
            picked = view._pick_sums(sums, window, cohort, True)
            assert picked.person_n == len(frequent)
            if len(frequent):
                _assert_frames_close(
                    view._use_summary([(cohort, window, picked)]), costs.use_summary(frequent)
                )
        # distribution of change, per measure
        for measure in view.MEASURE_LABELS:
            known = referred.dropna(subset=[f"{measure}_before", f"{measure}_after"])
            c = view._change_counts(sums, window, measure)
            assert int(c["person_n"].sum()) == len(known)
            if len(known):
                repeated = np.repeat(c["change"].to_numpy(), c["person_n"].to_numpy())
                pd.testing.assert_frame_equal(
                    costs.change_distribution(repeated),
                    costs.change_distribution(
                        known[f"{measure}_after"] - known[f"{measure}_before"]
                    ),
                )
            if len(referred) and len(compared):
                k_cmp = compared.dropna(subset=[f"{measure}_before", f"{measure}_after"])
                old = costs.difference_in_differences(
                    (known[f"{measure}_after"] - known[f"{measure}_before"]).to_numpy(),
                    (k_cmp[f"{measure}_after"] - k_cmp[f"{measure}_before"]).to_numpy(),
                )
                _did_close(view._did(s_ref, s_cmp, measure), old)
        # cost: the summary of referred people's change, and against the comparison group
        for prices in PRICES:
            change = costs.person_cost_change(referred, prices).dropna()
            moments = view._cost_moments(s_ref, prices)
            assert moments[0] == len(change)
            for per_year, service in ((None, None), (120, 250000.0)):
                old = costs.cost_summary(
                    change.to_numpy(), people_per_year=per_year, annual_service_cost_gbp=service
                )
                new = view._cost_summary(
                    moments, people_per_year=per_year, annual_service_cost_gbp=service
                )
                for field in old.__dataclass_fields__:
                    assert _close(getattr(new, field), getattr(old, field)), field
            old_did = costs.cost_difference_in_differences(referred, compared, prices)
            if old_did is not None:
                _did_close(view._welch(moments, view._cost_moments(s_cmp, prices)), old_did)
    return len(rows)


def test_sums_give_the_person_rows_figures_on_fixture(fixture_con):  # noqa: F811
    rows = [_check(fixture_con, params) for params in _cases(fixture_con)]
    assert max(rows) > 0


def test_sums_give_the_person_rows_figures_on_demo(demo_con):  # noqa: F811
    rows = [_check(demo_con, params) for params in _cases(demo_con)]
    assert max(rows) > 100


def _people(con, macro: str, params: dict) -> pd.DataFrame:  # noqa: ANN001
    cur = con.cursor()
    try:
        db.use_attached(cur, con)
        frame = cur.execute(
            f"select * from {macro}($practice_codes, $conditions, $worker_ids, $start_date,"
            " $end_date)",
            params,
        ).df()
    finally:
        cur.close()
    return frame.sort_values(list(frame.columns), na_position="first").reset_index(drop=True)


@pytest.mark.parametrize("which", ["fixture", "demo"])
def test_stored_whole_service_rows_equal_the_ranked_rows(which, fixture_con, demo_con):  # noqa: F811
    # healthcare_use_people reads healthcare_use_people_all for the whole service (every
    # practice, no condition or worker) and ranks the referrals otherwise: the same rows.
    con = fixture_con if which == "fixture" else demo_con
    whole = 0
    for params in _cases(con):
        cur = con.cursor()
        try:
            db.use_attached(cur, con)
            stored = cur.execute(
                "select healthcare_use_whole_service($practice_codes, $conditions, $worker_ids)",
                {k: params[k] for k in ("practice_codes", "conditions", "worker_ids")},
            ).fetchone()[0]
        finally:
            cur.close()
        whole += bool(stored)
        pd.testing.assert_frame_equal(
            _people(con, "healthcare_use_people", params),
            _people(con, "healthcare_use_people_rows", params),
        )
    assert whole >= 5  # the unfiltered cases read the stored rows; the filtered ones do not
    assert whole < len(_cases(con))


def _cost_by_quarter_from_people(rows: pd.DataFrame, qs) -> pd.DataFrame:  # noqa: ANN001
    """The Contract tracker's cost by quarter as it was worked out from one row per person
    (healthcare_use_before_after): the reference the summed version must reproduce."""
    unit = {k: (v if k in ct.SECONDARY_CARE else None) for k, v in costs.default_costs().items()}
    rows = rows[rows["after_window"] == 1].copy()
    rows["change_gbp"] = costs.person_cost_change(rows, unit)
    ends = pd.to_datetime(rows["index_month"]) + pd.offsets.MonthEnd(13)
    rows["quarter"] = ct._quarters_of(ends, qs)
    out = []
    for q in qs:
        group = rows[rows["quarter"] == q.number]
        referred = group.loc[group["cohort"] == "referred", "change_gbp"].to_numpy(float)
        comparison = group.loc[group["cohort"] == "comparison", "change_gbp"].to_numpy(float)
        saving, low, high = payments.saving_from_difference(
            costs.difference_in_differences(referred, comparison)
        )
        out.append(
            {
                "quarter": q.number,
                "referred_count": int(referred.size),
                "comparison_count": int(comparison.size),
                "saving_gbp": saving,
                "saving_ci_low_gbp": low,
                "saving_ci_high_gbp": high,
            }
        )
    return pd.DataFrame(out)


@pytest.mark.parametrize("which", ["fixture", "demo"])
def test_contract_tracker_cost_by_quarter_from_sums_equals_from_people(
    which,
    fixture_con,  # noqa: F811
    demo_con,  # noqa: F811
):
    # The tracker's quarterly saving (people whose 12 months after referral end in each
    # quarter) from healthcare_use_summary's sums by index month: the counts exactly, the
    # saving and its interval to 1e-9, for every case's period cut into quarters.
    con = fixture_con if which == "fixture" else demo_con
    people_seen = 0
    for params in _cases(con):
        qs = payments.quarters(
            max(params["start_date"], dt.date(2018, 1, 1)),
            min(params["end_date"], dt.date(2028, 12, 31)),
        )
        rows = db.run_query(con, "healthcare_use_before_after", params)
        summary = db.run_query(
            con,
            "healthcare_use_summary",
            {**params, "frequent_at": costs.FREQUENT_ATTENDER_GP_APPOINTMENTS},
        )
        new = ct.cost_by_quarter(summary, qs)
        old = _cost_by_quarter_from_people(rows, qs)
        assert new["quarter"].tolist() == old["quarter"].tolist()
        for col in ("referred_count", "comparison_count"):
            assert new[col].tolist() == old[col].tolist(), col
        for col in ("saving_gbp", "saving_ci_low_gbp", "saving_ci_high_gbp"):
            for a, b in zip(new[col], old[col], strict=True):
                assert _close(a, b), (col, a, b)
        people_seen += int(new["referred_count"].sum())
    assert people_seen > 0
