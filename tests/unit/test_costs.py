"""wellpath.costs on small hand-worked frames."""

from __future__ import annotations

import pandas as pd
import pytest

from wellpath import costs


def rows(**cols) -> pd.DataFrame:
    base = {f"{key}_{side}": 0 for key, _, _ in costs.USE_MEASURES for side in ("before", "after")}
    n = len(next(iter(cols.values())))
    frame = pd.DataFrame({k: [v] * n for k, v in base.items()})
    for key, values in cols.items():
        frame[key] = values
    frame["cohort"] = "referred"
    frame["after_window"] = 1
    return frame


def test_registry_has_sources_and_price_years():
    gp = costs.UNIT_COSTS["gp_appointments"]
    assert gp.cost_gbp == 42 and gp.price_year == "2022/23" and "PSSRU" in gp.source
    assert costs.UNIT_COSTS["ae_attendances"].cost_gbp == 282
    assert costs.UNIT_COSTS["outpatient_attendances"].cost_gbp is None
    assert costs.uncosted(costs.default_costs()) == [
        "outpatient_attendances",
        "nonelective_admissions",
    ]


def test_changed_costs_are_reported():
    edited = costs.default_costs() | {"gp_appointments": 49.0, "outpatient_attendances": 150.0}
    assert costs.changed_costs(edited) == ["gp_appointments", "outpatient_attendances"]
    assert costs.changed_costs(costs.default_costs()) == []


def test_person_cost_change_hand_worked():
    # Person 1: GP 6 -> 3, A&E 1 -> 0: -3 x 42 - 282 = -408.
    # Person 2: GP 2 -> 4, outpatient 1 -> 0 (uncosted by default): +84; with outpatient at
    # GBP 150: 84 - 150 = -66.
    frame = rows(
        gp_appointments_before=[6, 2],
        gp_appointments_after=[3, 4],
        ae_attendances_before=[1, 0],
        outpatient_attendances_before=[0, 1],
    )
    assert costs.person_cost_change(frame, costs.default_costs()).tolist() == [-408, 84]
    priced = costs.default_costs() | {"outpatient_attendances": 150.0}
    assert costs.person_cost_change(frame, priced).tolist() == [-408, -66]


def test_cost_summary_carries_the_interval_through():
    # Changes -100, -200, -300: mean -200, SD 100, t(0.975, 2) = 4.302653: half-width
    # 4.302653 * 100 / sqrt(3) = 248.414. Total x 3: -600 (-1345.2 to +145.2).
    # Service GBP 30,000 a year over 100 people = GBP 300 per person: net 100
    # (300 - 448.414 to 300 + 48.414).
    s = costs.cost_summary([-100, -200, -300], people_per_year=100, annual_service_cost_gbp=30000)
    half = 248.414
    assert s.mean_change_gbp == pytest.approx(-200)
    assert s.ci_low_gbp == pytest.approx(-200 - half, abs=1e-3)
    assert s.total_change_gbp == pytest.approx(-600)
    assert s.total_ci_low_gbp == pytest.approx(3 * (-200 - half), abs=1e-2)
    assert s.service_cost_per_person_gbp == pytest.approx(300)
    assert s.net_cost_per_person_gbp == pytest.approx(100)
    assert s.net_ci_high_gbp == pytest.approx(300 - 200 + half, abs=1e-3)
    # Publishable: the total is for the rounded number of people shown (here 3 -> say 5):
    # -200 x 5 = -1000, so total / mean cannot give the unrounded 3 away.
    shown = costs.cost_summary([-100, -200, -300], total_people=5)
    assert shown.total_change_gbp == pytest.approx(-1000)
    assert shown.total_ci_low_gbp == pytest.approx(5 * (-200 - half), abs=1e-2)
    assert shown.person_count == 3
    unset = costs.cost_summary([-100, -200], annual_service_cost_gbp=None)
    assert unset.net_cost_per_person_gbp is None


def test_use_summary_means_and_prescriptions_only_where_known():
    frame = rows(
        gp_appointments_before=[10, 6],
        gp_appointments_after=[4, 6],
        opioid_items_before=[2, None],
        opioid_items_after=[1, None],
    )
    out = costs.use_summary(frame).set_index("measure")
    assert out.loc["gp_appointments", "mean_before"] == 8
    assert out.loc["gp_appointments", "mean_change"] == -3
    assert out.loc["opioid_items", "person_count"] == 1
    protected = costs.protect_use_summary(costs.use_summary(frame)).set_index("measure")
    assert pd.isna(protected.loc["gp_appointments", "mean_change"])


def test_change_distribution_pools_the_tails():
    dist = costs.change_distribution([-15, -3, -3, 0, 2, 12], cap=10).set_index("change")
    assert dist.loc[-10, "person_count"] == 1
    assert dist.loc[-3, "person_count"] == 2
    assert dist.loc[10, "person_count"] == 1
    assert dist["person_count"].sum() == 6
    assert dist.loc[-10, "change_label"] == "-10 or fewer"


def test_frequent_attenders_threshold():
    frame = rows(gp_appointments_before=[9, 10, 14])
    assert costs.frequent_attenders(frame)["gp_appointments_before"].tolist() == [10, 14]


def test_cost_difference_in_differences_by_hand():
    # GP at 42, A&E at 282. Referred: person 1 GP 10 -> 6 (-168), person 2 A&E 1 -> 0 (-282):
    # mean -225. Comparison: GP 4 -> 5 (+42) and 4 -> 3 (-42): mean 0. DiD = -225.
    import pandas as pd

    from wellpath import costs

    def rows(gp_before, gp_after, ae_before, ae_after):
        frame = pd.DataFrame(
            {f"{k}_{side}": 0 for k in costs.UNIT_COSTS for side in ("before", "after")},
            index=range(len(gp_before)),
        )
        frame["gp_appointments_before"], frame["gp_appointments_after"] = gp_before, gp_after
        frame["ae_attendances_before"], frame["ae_attendances_after"] = ae_before, ae_after
        return frame

    did = costs.cost_difference_in_differences(
        rows([10, 0], [6, 0], [0, 1], [0, 0]),
        rows([4, 4], [5, 3], [0, 0], [0, 0]),
        costs.default_costs(),
    )
    assert did.difference == pytest.approx(-225.0)
    assert did.n_comparison == 2 and did.change_comparison == pytest.approx(0.0)
    assert (
        costs.cost_difference_in_differences(rows([1], [1], [0], [0]), rows([], [], [], []), {})
        is None
    )
