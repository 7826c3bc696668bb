"""The Outcomes-based contract tracker: what a payment rule set earns, quarter by quarter.

Outcomes are measured here (from queries/instrument_follow_ups.sql and
queries/healthcare_use_before_after.sql), disclosure-controlled for the scope, and turned into
payments by wellpath.payments. Method: docs/methods.md, "Outcomes-based contract tracker".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wellpath import costs, data, disclosure, formats, payments, rule_store, stats
from wellpath.charts import payments as payment_charts
from wellpath.payments import Payment, Quarter, RuleSet
from wellpath.scope import Filters, Scope
from wellpath.views import healthcare as healthcare_views

#: Secondary care: the hospital measures (the GP appointment is primary care).
SECONDARY_CARE = ("ae_attendances", "outpatient_attendances", "nonelective_admissions")


# --- rule sets: the built-in example and the saved ones ------------------------------------


def _store_path() -> Path:
    return rule_store.settings_path(data.db_path())


def rule_set_choices() -> dict[str, str]:
    """{label: rule set as JSON}: the built-in worked example first, then each saved rule set
    (its latest version), labelled with the date it was saved."""
    example = payments.ways_to_wellness_example()
    out = {f"{example.name} (built in)": example.to_json()}
    try:
        for saved_at, rules in rule_store.latest(_store_path()):
            out[f"{rules.name} (saved {formats.uk_date(saved_at[:10])})"] = rules.to_json()
    except Exception as exc:  # an unreadable settings file must not stop the page
        out[f"Saved rule sets could not be read ({type(exc).__name__})"] = example.to_json()
    return out


# The quarter table on screen, in this order (a static table: headers and cells wrap, so it
# fits at 1440 px with the sidebar open; a data grid cut five of its nine headers).
TABLE_COLUMNS: tuple[str, ...] = (
    "Quarter",
    "Status",
    "Star: people measured",
    "Star: gain met threshold",
    "Star: mean gain at first review (points)",
    "Well-being payment (95% range)",
    "Cost payment (95% range)",
    "Total payment (95% range)",
    "Against target",
)
# On screen the cost outcome shows its payment only; its people measured and cost below the
# comparison group per person are in the download (and the chart's notes).


@dataclass(frozen=True)
class SaveResult:
    ok: bool
    message: str


def save_rule_set(rules_json: str) -> SaveResult:
    """Save a rule set (a new dated version under its name) in the settings file."""
    try:
        rules = RuleSet.from_json(rules_json)
        rule_store.save(_store_path(), rules)
    except (ValueError, KeyError, TypeError) as exc:
        return SaveResult(False, f"Not saved: {exc}.")
    except OSError as exc:
        return SaveResult(False, f"Not saved: the settings file cannot be written ({exc}).")
    return SaveResult(True, f"Saved \u201c{rules.name}\u201d.")


def rule_set_from_form(
    *,
    name: str,
    period_start: dt.date,
    period_end: dt.date,
    basis: str,
    gain_threshold_points: float,
    payment_gbp: float,
    target_mean_gain_points: float | None,
    wellbeing_cap_gbp: float | None,
    payment_per_gbp: float,
    cost_cap_gbp: float | None,
    target_gbp_per_quarter: float | None,
    today: dt.date | None = None,
) -> tuple[str | None, list[str]]:
    """A rule set from the page's form, as JSON, or None with what is wrong."""
    try:
        rules = RuleSet(
            name=name.strip(),
            saved_on=today or dt.date.today(),
            period_start=period_start,
            period_end=period_end,
            wellbeing=payments.WellbeingRule(
                basis=basis,  # type: ignore[arg-type]
                gain_threshold_points=gain_threshold_points,
                payment_gbp=payment_gbp,
                target_mean_gain_points=target_mean_gain_points,
                cap_gbp=wellbeing_cap_gbp,
            ),
            cost=payments.CostRule(payment_per_gbp=payment_per_gbp, cap_gbp=cost_cap_gbp),
            target_gbp_per_quarter=target_gbp_per_quarter,
        )
    except ValueError as exc:
        return None, str(exc).split("; ")
    return rules.to_json(), []


def describe_rules(rules_json: str) -> list[str]:
    """The rule set in plain English, one sentence per rule."""
    r = RuleSet.from_json(rules_json)
    out = [
        f"**{formats.plain_text(r.name)}**, saved {formats.uk_date(r.saved_on)}; contract "
        f"period {formats.period_label(r.period_start, r.period_end)}."
    ]
    w = r.wellbeing
    if w is not None:
        if w.basis == "per_person":
            what = (
                f"{formats.fmt_gbp(w.payment_gbp)} per person whose {w.instrument} gain first "
                f"reaches {formats.fmt_number(w.gain_threshold_points)} points"
            )
        else:
            what = (
                f"{formats.fmt_gbp(w.payment_gbp)} per point of mean {w.instrument} gain, for "
                "each person at their first review"
            )
        cap = "no cap" if w.cap_gbp is None else f"capped at {formats.fmt_gbp(w.cap_gbp)}"
        out.append(f"Well-being: {what}; {cap}.")
    c = r.cost
    if c is not None:
        cap = "no cap" if c.cap_gbp is None else f"capped at {formats.fmt_gbp(c.cap_gbp)}"
        out.append(
            f"Secondary-care cost: {formats.fmt_gbp(c.payment_per_gbp, 2)} per pound of cost "
            f"per person below the comparison group, for each person measured; {cap}."
        )
    if r.target_gbp_per_quarter is not None:
        out.append(f"Target: {formats.fmt_gbp(r.target_gbp_per_quarter)} a quarter.")
    if r.note:
        out.append(formats.plain_text(r.note))
    return out


# --- measuring the outcomes per quarter -----------------------------------------------------


def _quarter_of(day: object, qs: list[Quarter]) -> int | None:
    d = formats.to_date(day)
    if d is None:
        return None
    for q in qs:
        if q.start <= d <= q.end:
            return q.number
    return None


def _quarters_of(days: pd.Series, qs: list[Quarter]) -> pd.Series:
    """`_quarter_of` for a whole column of datetimes at once (the first quarter holding the
    day; None outside them all or for no date)."""
    out = pd.Series([None] * len(days), index=days.index, dtype=object)
    free = pd.Series(True, index=days.index)
    for q in qs:
        hit = free & (days >= pd.Timestamp(q.start)) & (days <= pd.Timestamp(q.end))
        out[hit] = q.number
        free &= ~hit
    return out


def wellbeing_by_quarter(
    follow_ups: pd.DataFrame, rule: payments.WellbeingRule, qs: list[Quarter]
) -> pd.DataFrame:
    """Per quarter, from one row per follow-up (instrument_follow_ups): people measured (a
    follow-up in the quarter, not yet paid for), people whose gain first met the threshold
    in it, and the mean gain at the first review of the people first reviewed in it."""
    rows = follow_ups.copy()
    rows["follow_up_date"] = pd.to_datetime(rows["follow_up_date"])
    rows["met"] = rows["change_points"].astype(float) >= rule.gain_threshold_points - 1e-9
    first_met = rows[rows["met"]].groupby("person_number")["follow_up_date"].min()
    # stable: two reviews on one date stay in form order (instrument_follow_ups' order)
    first_review = (
        rows.sort_values("follow_up_date", kind="stable").groupby("person_number").first()
    )
    out = []
    for q in qs:
        start, end = pd.Timestamp(q.start), pd.Timestamp(q.end)
        in_q = rows[(rows["follow_up_date"] >= start) & (rows["follow_up_date"] <= end)]
        people = in_q["person_number"].unique()
        paid_before = first_met[first_met < start].index
        measured = int(len(set(people) - set(paid_before)))
        met = int(((first_met >= start) & (first_met <= end)).sum())
        firsts = first_review[
            (first_review["follow_up_date"] >= start) & (first_review["follow_up_date"] <= end)
        ]
        ci = stats.mean_ci(firsts["change_points"].astype(float))
        out.append(
            {
                "quarter": q.number,
                "measured_count": measured,
                "met_count": met,
                "first_review_count": int(len(firsts)),
                "mean_gain_points": ci.mean,
                "gain_ci_low": ci.ci_low,
                "gain_ci_high": ci.ci_high,
            }
        )
    return pd.DataFrame(out)


def cost_by_quarter(summary: pd.DataFrame, qs: list[Quarter]) -> pd.DataFrame:
    """Per quarter of the end of each person's 12 months after referral: the secondary-care
    cost change per person, referred against comparison (difference in differences, Welch
    95% CI), and the saving per person (minus the difference).

    From healthcare_use_summary rows (sums per cohort, after-window and index month): the
    people whose after-window ends in a quarter are those of the index months 12 months
    before it, and each group's n, mean and SD of cost change come exactly from their sums
    (the Healthcare use page's `_cost_moments` and `_welch`: the same figures as from one
    row per person, tested), so the page reads a few hundred rows, not 1.2M people."""
    unit = {k: (v if k in SECONDARY_CARE else None) for k, v in costs.default_costs().items()}
    rows = summary[summary["after_window"] == 1]
    ends = pd.to_datetime(rows["index_month"]) + pd.offsets.MonthEnd(13)
    quarter_of_row = _quarters_of(ends, qs)
    out = []
    for q in qs:
        in_q = rows[quarter_of_row == q.number]
        referred = healthcare_views._cost_moments(
            healthcare_views._pick_sums(in_q, 1, "referred", False), unit
        )
        comparison = healthcare_views._cost_moments(
            healthcare_views._pick_sums(in_q, 1, "comparison", False), unit
        )
        diff = healthcare_views._welch(referred, comparison)
        saving, low, high = payments.saving_from_difference(diff)
        out.append(
            {
                "quarter": q.number,
                "referred_count": int(referred[0]),
                "comparison_count": int(comparison[0]),
                "saving_gbp": saving,
                "saving_ci_low_gbp": low,
                "saving_ci_high_gbp": high,
            }
        )
    return pd.DataFrame(out)


def uncosted_secondary_care() -> list[str]:
    """Secondary-care items left out of the cost because no unit cost is set."""
    return [
        costs.UNIT_COSTS[k].label for k in SECONDARY_CARE if costs.UNIT_COSTS[k].cost_gbp is None
    ]


# --- the tracker ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tracker:
    table: pd.DataFrame  # display text, one row per quarter
    download: pd.DataFrame
    figure: go.Figure | None
    headline: list[str]
    notes: list[str]


def _count(value: int, rounded: bool) -> int | None:
    return disclosure.round_count(value) if rounded else int(value)


def _stat(value: float, n: int, rounded: bool) -> float | None:
    if formats.is_missing(value):
        return None
    return disclosure.published_statistic(value, n) if rounded else float(value)


def _range_text(p: Payment, suppressed: bool) -> str:
    if p.central_gbp is None:
        return formats.SUPPRESSED if suppressed else formats.NO_DATA
    text = formats.fmt_gbp(p.central_gbp)
    same = p.low_gbp == p.central_gbp == p.high_gbp
    if p.low_gbp is not None and p.high_gbp is not None and not same:
        text += f" ({formats.fmt_gbp(p.low_gbp)} to {formats.fmt_gbp(p.high_gbp)})"
    return text


def _wellbeing_payment(
    rule: payments.WellbeingRule, w: pd.Series, rounded: bool
) -> tuple[Payment, bool]:
    if rule.basis == "per_person":
        met, measured = _count(w.met_count, rounded), _count(w.measured_count, rounded)
        if met is None:
            return Payment.none(), True
        if (
            rounded
            and measured
            and disclosure.published_share(w.met_count, w.measured_count) is None
        ):
            # no range from a share that may not be published
            return Payment(rule.payment_gbp * met, None, None), False
        return payments.per_person_payment(rule, met, measured), met is None
    n = int(w.first_review_count)
    people = _count(n, rounded)
    mean = _stat(w.mean_gain_points, n, rounded)
    low, high = _stat(w.gain_ci_low, n, rounded), _stat(w.gain_ci_high, n, rounded)
    return payments.per_point_payment(rule, people, mean, low, high), n > 0 and mean is None


def _cost_payment(rule: payments.CostRule, c: pd.Series, rounded: bool) -> tuple[Payment, bool]:
    n = int(min(c.referred_count, c.comparison_count))
    people = _count(c.referred_count, rounded)
    saving = _stat(c.saving_gbp, n, rounded)
    low, high = _stat(c.saving_ci_low_gbp, n, rounded), _stat(c.saving_ci_high_gbp, n, rounded)
    return payments.cost_payment(rule, people, saving, low, high), n > 0 and saving is None


def _with_period(filters: Filters, rules: RuleSet) -> tuple[Filters, dt.date]:
    as_at = min(filters.report_date, rules.period_end)
    return dataclasses.replace(filters, start_date=rules.period_start, end_date=as_at), as_at


@data.cached_view
def tracker(scope: Scope, filters: Filters, *, rules_json: str) -> Tracker:
    """Per quarter of the rule set's period, to the sidebar's report date: outcomes measured,
    payments earned with their range, projections for the quarters to come, the target."""
    rules = RuleSet.from_json(rules_json)
    qs = payments.quarters(rules.period_start, rules.period_end)
    period_filters, as_at = _with_period(filters, rules)
    rounded = scope.rounded
    done = [q for q in qs if q.start <= as_at]
    w_rows = c_rows = None
    if rules.wellbeing is not None and done:
        follow = data.query(
            "instrument_follow_ups", scope, period_filters, instrument=rules.wellbeing.instrument
        )
        w_rows = wellbeing_by_quarter(follow, rules.wellbeing, done).set_index("quarter")
    if rules.cost is not None and done:
        summary = data.query(
            "healthcare_use_summary",
            scope,
            period_filters,
            frequent_at=costs.FREQUENT_ATTENDER_GP_APPOINTMENTS,
        )
        c_rows = cost_by_quarter(summary, done).set_index("quarter")

    w_pay, c_pay, w_hidden, c_hidden = [], [], [], []
    for q in done:
        if w_rows is not None:
            p, hidden = _wellbeing_payment(rules.wellbeing, w_rows.loc[q.number], rounded)  # type: ignore[arg-type]
            w_pay.append(p)
            w_hidden.append(hidden)
        if c_rows is not None:
            p, hidden = _cost_payment(rules.cost, c_rows.loc[q.number], rounded)  # type: ignore[arg-type]
            c_pay.append(p)
            c_hidden.append(hidden)
    if w_rows is not None:
        w_pay = payments.apply_cap(w_pay, rules.wellbeing.cap_gbp)  # type: ignore[union-attr]
    if c_rows is not None:
        c_pay = payments.apply_cap(c_pay, rules.cost.cap_gbp)  # type: ignore[union-attr]

    records, shown = [], []
    for i, q in enumerate(done):
        state = "complete" if q.end <= as_at else f"to {formats.uk_date(as_at)}"
        rec: dict[str, object] = {"Quarter": q.label, "Status": state}
        total = Payment(0.0, 0.0, 0.0)
        if w_rows is not None:
            w = w_rows.loc[q.number]
            rec["Star: people measured"] = formats.fmt_count(_count(w.measured_count, rounded))
            rec["Star: gain met threshold"] = formats.fmt_count(_count(w.met_count, rounded))
            mean = _stat(w.mean_gain_points, int(w.first_review_count), rounded)
            rec["Star: mean gain at first review (points)"] = formats.display_value(
                w.mean_gain_points, mean, formats.fmt_signed
            )
            rec["Well-being payment (95% range)"] = _range_text(w_pay[i], w_hidden[i])
            total = payments.add(total, w_pay[i])
        if c_rows is not None:
            c = c_rows.loc[q.number]
            rec["Cost: people measured"] = formats.fmt_count(_count(c.referred_count, rounded))
            saving = _stat(c.saving_gbp, int(min(c.referred_count, c.comparison_count)), rounded)
            rec["Cost below comparison, per person"] = formats.display_value(
                c.saving_gbp, saving, formats.fmt_gbp
            )
            rec["Cost payment (95% range)"] = _range_text(c_pay[i], c_hidden[i])
            total = payments.add(total, c_pay[i])
        suppressed = any(w_hidden[i : i + 1]) or any(c_hidden[i : i + 1])
        rec["Total payment (95% range)"] = _range_text(total, suppressed)
        rec["Against target"] = payments.against_target(total, rules.target_gbp_per_quarter) or (
            formats.NO_DATA
        )
        records.append(rec)
        shown.append((q, total, "earned"))

    # the quarters to come, at the average of the complete quarters so far
    complete = [t for q, t, _ in shown if q.end <= as_at]
    later = [q for q in qs if q.start > as_at]
    projection = None
    if complete and all(t.central_gbp is not None for t in complete):
        bounds = [
            [getattr(t, key) for t in complete] for key in ("central_gbp", "low_gbp", "high_gbp")
        ]
        projection = Payment(
            *(None if any(v is None for v in b) else float(np.mean(b)) for b in bounds)
        )
    for q in later:
        p = projection or Payment.none()
        records.append(
            {
                "Quarter": q.label,
                "Status": "to come (projected)",
                "Total payment (95% range)": _range_text(p, projection is None and bool(complete)),
                "Against target": payments.against_target(p, rules.target_gbp_per_quarter)
                or formats.NO_DATA,
            }
        )
        shown.append((q, p, "projected"))

    table = pd.DataFrame(records).fillna("")
    earned = [t.central_gbp for _, t, kind in shown if kind == "earned"]
    visible = [v for v in earned if v is not None]
    headline = []
    if earned:
        note = "" if len(visible) == len(earned) else " (quarters shown; others are suppressed)"
        headline.append(
            f"Earned to {formats.uk_date(as_at)}: **{formats.fmt_gbp(sum(visible))}**{note}."
        )
    if projection is not None and projection.central_gbp is not None and later:
        headline.append(
            f"At the average of the complete quarters, the {len(later)} quarter(s) to come would "
            f"earn about {formats.fmt_gbp(projection.central_gbp * len(later))} more."
        )
    if not done:
        headline.append("The contract period has not started by the report date.")
    notes = []
    missing = uncosted_secondary_care()
    if rules.cost is not None and missing:
        notes.append(
            "Not costed (no unit cost set): " + ", ".join(missing) + ". The cost outcome "
            "covers the secondary-care items with a unit cost (Healthcare use page)."
        )
    fig = payment_charts.payments_by_quarter(
        [q.label for q, _, _ in shown],
        [t for _, t, _ in shown],
        [kind for _, _, kind in shown],
        target_gbp=rules.target_gbp_per_quarter,
        title=f"Payments by quarter: {rules.name}",
        period=formats.period_label(rules.period_start, rules.period_end),
    )
    return Tracker(table=table, download=table, figure=fig, headline=headline, notes=notes)
