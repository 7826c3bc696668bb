"""The payment-rule engine (wellpath.payments), the rule store and the tracker's measuring
of outcomes per quarter, on hand-worked cases."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from wellpath import payments, rule_store
from wellpath.payments import CostRule, Payment, RuleSet, WellbeingRule
from wellpath.views import contract_tracker as ct


def test_per_person_payment_is_rate_times_met_with_wilson_range():
    # Wilson 95% for 10 of 20: 0.2993 to 0.7007 (Newcombe 1998, method 3)
    p = payments.per_person_payment(WellbeingRule(payment_gbp=250), met=10, measured=20)
    assert p.central_gbp == 2500
    assert p.low_gbp == pytest.approx(250 * 20 * 0.299298, abs=0.01)
    assert p.high_gbp == pytest.approx(250 * 20 * 0.700702, abs=0.01)


def test_per_person_payment_suppressed_count_suppresses_payment():
    assert payments.per_person_payment(WellbeingRule(), met=None, measured=20) == Payment.none()
    # the share's denominator suppressed: the payment stands, its range does not
    p = payments.per_person_payment(WellbeingRule(payment_gbp=100), met=10, measured=None)
    assert (p.central_gbp, p.low_gbp, p.high_gbp) == (1000, None, None)
    # nobody measured: nothing earned, for certain
    assert payments.per_person_payment(WellbeingRule(), met=0, measured=0) == Payment(0, 0, 0)


def test_per_point_payment_pays_nothing_for_a_fall():
    rule = WellbeingRule(basis="per_point", payment_gbp=100)
    assert payments.per_point_payment(rule, 10, 2.0, 1.0, 3.0) == Payment(2000, 1000, 3000)
    assert payments.per_point_payment(rule, 10, -1.0, -2.0, 0.5) == Payment(0, 0, 500)
    assert payments.per_point_payment(rule, None, 2.0, 1.0, 3.0) == Payment.none()


def test_cost_payment_from_difference_in_differences():
    # referred cost change -100 (CI -150 to -50) relative to the comparison: saving 100
    diff = payments.stats.DifferenceInDifferences(
        10, 10, -80.0, 20.0, -100.0, 25.0, 18.0, -150.0, -50.0, None, 0.95
    )
    saving, low, high = payments.saving_from_difference(diff)
    assert (saving, low, high) == (100.0, 50.0, 150.0)
    p = payments.cost_payment(CostRule(payment_per_gbp=0.5), 10, saving, low, high)
    assert p == Payment(500, 250, 750)
    # a range crossing zero pays from zero
    assert payments.cost_payment(CostRule(0.5), 10, 100, -20, 220) == Payment(500, 0, 1100)


def test_cap_applies_to_each_bound_quarter_by_quarter():
    capped = payments.apply_cap([Payment(600, 300, 900)] * 3, 1000)
    assert [p.central_gbp for p in capped] == [600, 400, 0]
    assert [p.low_gbp for p in capped] == [300, 300, 300]
    assert [p.high_gbp for p in capped] == [900, 100, 0]
    # a suppressed quarter stays suppressed and uses none of the cap
    capped = payments.apply_cap([Payment.none(), Payment(600, 600, 600)], 500)
    assert capped[0] == Payment.none() and capped[1].central_gbp == 500


def test_total_with_a_suppressed_part_is_suppressed():
    assert payments.add(Payment(1, 1, 1), Payment.none()).central_gbp is None
    assert payments.add(Payment(1, 0, 2), Payment(2, 1, 3)) == Payment(3, 1, 5)


@pytest.mark.parametrize(
    ("payment", "expected"),
    [
        (Payment(12, 11, 13), "above target"),
        (Payment(8, 5, 9.99), "below target"),
        (Payment(9, 5, 13), "around target"),
        (Payment(10, None, None), "above target"),
    ],
)
def test_against_target(payment, expected):
    assert payments.against_target(payment, 10) == expected


def test_quarters_follow_the_period():
    qs = payments.quarters(dt.date(2024, 4, 1), dt.date(2027, 3, 31))
    assert len(qs) == 12
    assert (qs[0].start, qs[0].end) == (dt.date(2024, 4, 1), dt.date(2024, 6, 30))
    assert qs[3].label == "Q4: Jan\u2013Mar 2025"
    part = payments.quarters(dt.date(2025, 5, 15), dt.date(2025, 11, 30))
    assert [(q.start, q.end) for q in part] == [
        (dt.date(2025, 5, 15), dt.date(2025, 7, 31)),
        (dt.date(2025, 8, 1), dt.date(2025, 10, 31)),
        (dt.date(2025, 11, 1), dt.date(2025, 11, 30)),
    ]
    assert part[2].label == "Q3: Nov\u2013Nov 2025"


def test_rule_set_round_trips_and_refuses_nonsense():
    rules = payments.ways_to_wellness_example()
    assert RuleSet.from_json(rules.to_json()) == rules
    with pytest.raises(ValueError, match="ends before it starts"):
        RuleSet("x", dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 1, 1))
    with pytest.raises(ValueError, match="pays on no outcome"):
        RuleSet("x", dt.date(2025, 1, 1), dt.date(2025, 1, 1), dt.date(2025, 2, 1), None, None)
    with pytest.raises(ValueError, match="needs a name"):
        RuleSet(" ", dt.date(2025, 1, 1), dt.date(2025, 1, 1), dt.date(2025, 2, 1))
    with pytest.raises(ValueError, match="must not be negative"):
        RuleSet(
            "x", dt.date(2025, 1, 1), dt.date(2025, 1, 1), dt.date(2025, 2, 1),
            cost=CostRule(payment_per_gbp=-1),
        )  # fmt: skip


def test_rule_store_keeps_every_dated_version(tmp_path):
    path = rule_store.settings_path(tmp_path / "w.duckdb")
    assert path.name == "w.duckdb.settings.sqlite"
    assert rule_store.latest(path) == []
    first = payments.ways_to_wellness_example()
    second = RuleSet.from_json(
        first.to_json().replace('"payment_gbp": 250.0', '"payment_gbp": 300.0')
    )
    rule_store.save(path, first, now=dt.datetime(2025, 4, 1, 9))
    rule_store.save(path, second, now=dt.datetime(2025, 5, 1, 9))
    latest = rule_store.latest(path)
    assert len(latest) == 1 and latest[0][1].wellbeing.payment_gbp == 300
    assert [r.wellbeing.payment_gbp for _, r in rule_store.history(path, first.name)] == [300, 250]


QS = payments.quarters(dt.date(2025, 4, 1), dt.date(2025, 9, 30))


def test_wellbeing_by_quarter_counts_each_person_once_at_first_attainment():
    # person 1: +1 in May (not met), +3 in Aug (met in Q2)
    # person 2: +2 in Jun (met in Q1), +5 in Sep (already paid: not measured again)
    # person 3: -1 in Jul (measured in Q2, not met)
    rows = pd.DataFrame(
        {
            "person_number": [1, 1, 2, 2, 3],
            "follow_up_date": [
                "2025-05-10",
                "2025-08-10",
                "2025-06-01",
                "2025-09-01",
                "2025-07-01",
            ],
            "change_points": [1.0, 3.0, 2.0, 5.0, -1.0],
        }
    )
    out = ct.wellbeing_by_quarter(rows, WellbeingRule(gain_threshold_points=1.5), QS)
    assert out["measured_count"].tolist() == [2, 2]
    assert out["met_count"].tolist() == [1, 1]
    # first reviews: persons 1 and 2 in Q1 (+1, +2: mean 1.5); person 3 in Q2 (-1)
    assert out["first_review_count"].tolist() == [2, 1]
    assert out["mean_gain_points"].tolist() == [1.5, -1.0]
    # t interval of (1, 2): 1.5 +/- 12.706 * 0.7071 / sqrt(2) = 1.5 +/- 6.353
    assert out["gain_ci_low"][0] == pytest.approx(1.5 - 6.3531, abs=1e-3)
    assert math.isnan(out["gain_ci_low"][1])


def test_cost_by_quarter_difference_in_differences_on_ae_cost():
    # index month Apr 2024: the after-window ends 30 Apr 2025 (Q1). A&E at GBP 282.
    # referred: A&E 2 -> 0 and 3 -> 1 (change -564 each); comparison: 1 -> 1 and 0 -> 0.
    # The people go through the tracker's own query (healthcare_use_summary, summed by
    # index month), run over these rows.
    from tests.unit.test_views_healthcare import MEASURES, summed
    from wellpath import costs

    base = {k: 0 for k in MEASURES if k != "ae_attendances"}
    rows = pd.DataFrame(
        [
            {"cohort": c, "index_month": dt.date(2024, 4, 1), "after_window": 1, **{
                f"{k}_{s}": v for k, v in base.items() for s in ("before", "after")
            }, "ae_attendances_before": b, "ae_attendances_after": a}
            for c, b, a in [("referred", 2, 0), ("referred", 3, 1), ("comparison", 1, 1),
                            ("comparison", 0, 0)]
        ]
    )  # fmt: skip
    summary = summed(
        "healthcare_use_summary", rows, {"frequent_at": costs.FREQUENT_ATTENDER_GP_APPOINTMENTS}
    )
    out = ct.cost_by_quarter(summary, QS)
    q1 = out.iloc[0]
    assert (q1.referred_count, q1.comparison_count) == (2, 2)
    assert q1.saving_gbp == pytest.approx(564.0)
    # no variation in either group: a zero-width interval
    assert q1.saving_ci_low_gbp == pytest.approx(564.0)
    assert out.iloc[1].referred_count == 0
