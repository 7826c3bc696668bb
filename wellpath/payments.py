"""Outcomes-based payments: the rule set a commissioner agrees, and what it pays.

Pure and typed: no database, no Streamlit. The view (wellpath/views/contract_tracker.py)
measures the outcomes; this module turns measured outcomes into payments, with the
uncertainty carried through and the caps applied (docs/methods.md, "Outcomes-based contract
tracker").

A rule set pays on up to two outcomes, as Ways to Wellness's social impact bond did (100% of
its payments on them):

- well-being: either a payment per person whose gain on a paired instrument (the Well-being
  Star by default) meets a threshold (`basis="per_person"`), or a payment per point of mean
  gain for each person paired (`basis="per_point"`);
- secondary-care cost: a payment per pound of secondary-care cost per person below the
  comparison group (the difference in differences), for each person measured.

Each outcome may have a cap over the whole period; the rule set may have a target per
quarter. Payments are computed from whatever counts the caller passes: a publishable view
passes ROUNDED counts, so every payment is derived from the published counts, and a payment
whose count is suppressed (None) is suppressed too.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Literal

from wellpath import stats

Basis = Literal["per_person", "per_point"]
BASES: tuple[Basis, ...] = ("per_person", "per_point")


@dataclass(frozen=True)
class WellbeingRule:
    """Payment on a paired instrument's gain (start against a later assessment)."""

    instrument: str = "WBSTAR"
    basis: Basis = "per_person"
    #: per_person: a person counts when their gain is at least this many points
    gain_threshold_points: float = 1.5
    #: per_person: GBP per person meeting the threshold; per_point: GBP per point of mean
    #: gain, for each person paired
    payment_gbp: float = 250.0
    #: the mean gain the contract aims for (shown beside the measured mean)
    target_mean_gain_points: float | None = 1.5
    cap_gbp: float | None = None  # over the whole period; None: no cap


@dataclass(frozen=True)
class CostRule:
    """Payment per pound of secondary-care cost per person below the comparison group."""

    payment_per_gbp: float = 0.5
    cap_gbp: float | None = None


@dataclass(frozen=True)
class RuleSet:
    """A named, dated payment rule set for one contract period."""

    name: str
    saved_on: dt.date
    period_start: dt.date
    period_end: dt.date
    wellbeing: WellbeingRule | None = field(default_factory=WellbeingRule)
    cost: CostRule | None = field(default_factory=CostRule)
    target_gbp_per_quarter: float | None = None
    note: str = ""

    def __post_init__(self) -> None:
        problems = validate(self)
        if problems:
            raise ValueError("; ".join(problems))

    def to_json(self) -> str:
        raw = asdict(self)
        for key in ("saved_on", "period_start", "period_end"):
            raw[key] = getattr(self, key).isoformat()
        return json.dumps(raw, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RuleSet:
        raw = json.loads(text)
        wellbeing = raw.get("wellbeing")
        cost = raw.get("cost")
        return cls(
            name=str(raw["name"]),
            saved_on=dt.date.fromisoformat(raw["saved_on"]),
            period_start=dt.date.fromisoformat(raw["period_start"]),
            period_end=dt.date.fromisoformat(raw["period_end"]),
            wellbeing=None if wellbeing is None else WellbeingRule(**wellbeing),
            cost=None if cost is None else CostRule(**cost),
            target_gbp_per_quarter=raw.get("target_gbp_per_quarter"),
            note=str(raw.get("note", "")),
        )


def _negative(value: float | None) -> bool:
    return value is not None and (math.isnan(value) or value < 0)


def validate(rules: RuleSet) -> list[str]:
    """What is wrong with a rule set, in plain English (empty when it is sound)."""
    problems = []
    if not rules.name.strip():
        problems.append("the rule set needs a name")
    if len(rules.name) > 120:
        problems.append("the name is longer than 120 characters")
    if rules.period_end < rules.period_start:
        problems.append("the period ends before it starts")
    if rules.wellbeing is None and rules.cost is None:
        problems.append("the rule set pays on no outcome")
    w = rules.wellbeing
    if w is not None:
        if w.basis not in BASES:
            problems.append(f"well-being basis must be one of {', '.join(BASES)}")
        if _negative(w.payment_gbp) or _negative(w.cap_gbp) or _negative(w.gain_threshold_points):
            problems.append("well-being payment, cap and threshold must not be negative")
    c = rules.cost
    if c is not None and (_negative(c.payment_per_gbp) or _negative(c.cap_gbp)):
        problems.append("cost payment and cap must not be negative")
    if _negative(rules.target_gbp_per_quarter):
        problems.append("the quarterly target must not be negative")
    return problems


def ways_to_wellness_example(saved_on: dt.date = dt.date(2025, 4, 1)) -> RuleSet:
    """The built-in worked example, after Ways to Wellness (Newcastle's social prescribing
    social impact bond): all payments on the two outcomes. The shape is theirs (Well-being
    Star gain, and secondary-care cost against a comparison group, target mean Star gain 1.5
    points, measures.md); the GBP rates, caps and target are ILLUSTRATIVE, not their tariff."""
    return RuleSet(
        name="Ways to Wellness model (worked example)",
        saved_on=saved_on,
        period_start=dt.date(2024, 4, 1),
        period_end=dt.date(2027, 3, 31),
        wellbeing=WellbeingRule(
            instrument="WBSTAR",
            basis="per_person",
            gain_threshold_points=1.5,
            payment_gbp=250.0,
            target_mean_gain_points=1.5,
            cap_gbp=150_000.0,
        ),
        cost=CostRule(payment_per_gbp=0.5, cap_gbp=150_000.0),
        target_gbp_per_quarter=10_000.0,
        note=(
            "Illustrative rates: the structure follows Ways to Wellness (100% of payments on "
            "Well-being Star gain and secondary-care cost against a comparison group); the "
            "amounts are examples to change."
        ),
    )


# --- quarters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quarter:
    number: int  # 1 = the period's first quarter
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        if self.start.year == self.end.year:
            return f"Q{self.number}: {self.start:%b}\u2013{self.end:%b %Y}"
        return f"Q{self.number}: {self.start:%b %Y}\u2013{self.end:%b %Y}"


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    return dt.date(day.year + index // 12, index % 12 + 1, 1)


def quarters(period_start: dt.date, period_end: dt.date) -> list[Quarter]:
    """Three-month quarters from the month of `period_start`; the last ends at `period_end`."""
    out = []
    start = period_start.replace(day=1)
    number = 1
    while start <= period_end:
        nxt = _add_months(start, 3)
        end = min(nxt - dt.timedelta(days=1), period_end)
        out.append(Quarter(number, max(start, period_start), end))
        start, number = nxt, number + 1
    return out


# --- payments with their range -------------------------------------------------------------


@dataclass(frozen=True)
class Payment:
    """A payment and its range (the 95% interval of the outcome carried through): GBP, None
    when suppressed or not measurable."""

    central_gbp: float | None
    low_gbp: float | None
    high_gbp: float | None

    @staticmethod
    def none() -> Payment:
        return Payment(None, None, None)


def _clip(value: float) -> float:
    return max(0.0, value)


def _finite(value: float | None) -> bool:
    return value is not None and not math.isnan(value)


def per_person_payment(rule: WellbeingRule, met: int | None, measured: int | None) -> Payment:
    """`met` of the `measured` people reached the threshold: the payment is rate x met; its
    range is rate x measured x the Wilson 95% interval of met / measured. Pass rounded counts
    for a publishable figure (a None count suppresses what depends on it)."""
    if met is None:
        return Payment.none()
    central = rule.payment_gbp * met
    if measured == 0:
        return Payment(0.0, 0.0, 0.0)  # no one measured: nothing earned, for certain
    if measured is None or met > measured:
        return Payment(central, None, None)
    low, high = stats.wilson_interval(int(met), int(measured))
    return Payment(central, rule.payment_gbp * measured * low, rule.payment_gbp * measured * high)


def per_point_payment(
    rule: WellbeingRule,
    people: int | None,
    mean_gain: float | None,
    ci_low: float | None,
    ci_high: float | None,
) -> Payment:
    """rate x people x mean gain (no payment for a mean fall); range from the mean's CI."""
    if people == 0:
        return Payment(0.0, 0.0, 0.0)  # no one measured: nothing earned, for certain
    if people is None or not _finite(mean_gain):
        return Payment.none()
    central = rule.payment_gbp * people * _clip(mean_gain)  # type: ignore[arg-type]
    if not (_finite(ci_low) and _finite(ci_high)):
        return Payment(central, None, None)
    return Payment(
        central,
        rule.payment_gbp * people * _clip(ci_low),  # type: ignore[arg-type]
        rule.payment_gbp * people * _clip(ci_high),  # type: ignore[arg-type]
    )


def cost_payment(
    rule: CostRule,
    people: int | None,
    saving_per_person_gbp: float | None,
    ci_low_gbp: float | None,
    ci_high_gbp: float | None,
) -> Payment:
    """rate x people x the saving per person (cost below the comparison group, a positive
    number; nothing is paid for a cost above it); the range from the saving's CI."""
    if people == 0:
        return Payment(0.0, 0.0, 0.0)  # no one measured: nothing earned, for certain
    if people is None or not _finite(saving_per_person_gbp):
        return Payment.none()
    central = rule.payment_per_gbp * people * _clip(saving_per_person_gbp)  # type: ignore[arg-type]
    if not (_finite(ci_low_gbp) and _finite(ci_high_gbp)):
        return Payment(central, None, None)
    return Payment(
        central,
        rule.payment_per_gbp * people * _clip(ci_low_gbp),  # type: ignore[arg-type]
        rule.payment_per_gbp * people * _clip(ci_high_gbp),  # type: ignore[arg-type]
    )


def saving_from_difference(diff: stats.DifferenceInDifferences) -> tuple[float, float, float]:
    """Saving per person = minus the difference in differences of cost (referred change minus
    comparison change): (saving, low, high), the interval limits swapped with the sign."""
    return (-diff.difference, -diff.ci_high, -diff.ci_low)


def apply_cap(payments: Sequence[Payment], cap_gbp: float | None) -> list[Payment]:
    """Quarter by quarter, each bound of the payment limited to what the cap leaves after the
    quarters before (each bound against its own running total). A suppressed quarter adds
    nothing to the running total it cannot be seen in."""
    if cap_gbp is None:
        return list(payments)
    paid = {"central_gbp": 0.0, "low_gbp": 0.0, "high_gbp": 0.0}
    out = []
    for p in payments:
        values = {}
        for key in paid:
            value = getattr(p, key)
            if value is None:
                values[key] = None
                continue
            allowed = min(value, max(0.0, cap_gbp - paid[key]))
            paid[key] += allowed
            values[key] = allowed
        out.append(replace(p, **values))
    return out


def add(a: Payment, b: Payment) -> Payment:
    """Two outcomes' payments together: a bound is None when either part's is (a total of
    a suppressed part is not shown as if it were 0)."""

    def both(x: float | None, y: float | None) -> float | None:
        return None if x is None or y is None else x + y

    return Payment(
        both(a.central_gbp, b.central_gbp), both(a.low_gbp, b.low_gbp), both(a.high_gbp, b.high_gbp)
    )


def against_target(payment: Payment, target_gbp: float | None) -> str | None:
    """'above target' when even the low end reaches it, 'below target' when even the high end
    falls short, 'around target' when the range spans it; None without a target or figure."""
    if target_gbp is None or payment.central_gbp is None:
        return None
    if payment.low_gbp is None or payment.high_gbp is None:
        return "above target" if payment.central_gbp >= target_gbp else "below target"
    if payment.low_gbp >= target_gbp:
        return "above target"
    if payment.high_gbp < target_gbp:
        return "below target"
    return "around target"
