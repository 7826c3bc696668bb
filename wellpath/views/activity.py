"""The Contacts and action plans page, section by section: display-ready and protected."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from wellpath import data, formats, labels, service, spc
from wellpath.charts import service as charts
from wellpath.charts.spc import spc_chart
from wellpath.scope import Filters, Scope
from wellpath.views._service import SHARE_HELP, Metric, Table, fit_columns


def _missing_text(scope: Scope) -> str:
    return formats.SUPPRESSED if scope.rounded else formats.NO_DATA


@data.cached_view
def headline(scope: Scope, filters: Filters) -> tuple[Metric, ...]:
    modes = data.query("contacts_by_mode", scope, filters)
    totals = data.query("contact_totals", scope, filters)
    per_person = data.query("contacts_per_person", scope, filters)
    attended = service.published_sum(modes["attended_count"], scope.rounded)
    minutes = pd.to_numeric(modes["attended_minutes_total"], errors="coerce")
    hours = None if minutes.isna().any() else int(minutes.sum()) / 60
    median = per_person["median_attended_contacts"].iloc[0] if len(per_person) else None
    return (
        Metric(
            "Attended contacts",
            formats.fmt_count(attended),
            "Contacts dated in the period that took place.",
        ),
        Metric(
            "Hours of support",
            formats.fmt_number(hours, 0, missing=_missing_text(scope)),
            "Minutes of attended contacts, in hours.",
        ),
        Metric(
            "Did not attend (DNA) rate",
            formats.fmt_number(service.dna_rate(totals), 1, "%", missing=_missing_text(scope)),
            "Contacts the person did not attend, out of attended plus not attended "
            "(cancelled contacts left out).",
        ),
        Metric(
            "Median contacts per episode",
            formats.fmt_number(median, 0, missing=_missing_text(scope)),
            "For episodes discharged in the period. 6-12 contacts is typical of social "
            "prescribing (NHS England); Ways to Wellness averaged about 18.",
        ),
    )


@dataclass(frozen=True)
class Modes:
    counts: go.Figure
    hours: go.Figure
    table: Table


@data.cached_view
def modes(scope: Scope, filters: Filters) -> Modes:
    """Attended contacts by mode with each mode's share of the attended contacts (from the
    rounded parts in a publishable scope, withheld under a small rounded total), and hours."""
    rounded, period = scope.rounded, filters.period_label
    rows = service.label_codes(
        data.query("contacts_by_mode", scope, filters), "mode", labels.CONTACT_MODES, "mode_label"
    )
    total = service.column_total(rows["attended_count"], rounded)
    rows["share_pct"] = service.shares(rows["attended_count"], total, rounded)
    rows["text"] = [
        service.count_with_share(n, p)
        for n, p in zip(rows["attended_count"], rows["share_pct"], strict=True)
    ]
    counts = charts.horizontal_bars(
        rows,
        "mode_label",
        "attended_count",
        title="Attended contacts by mode",
        period=period,
        x_title="Attended contacts (number)",
        text_col="text",
    )
    rows["hours"] = pd.to_numeric(rows["attended_minutes_total"], errors="coerce") / 60
    rows["hours_text"] = [
        formats.SUPPRESSED
        if formats.is_missing(h)
        else f"{formats.fmt_number(h, 0)} h, {formats.fmt_number(m, 0)} min each"
        for h, m in zip(rows["hours"], rows["mean_minutes_per_attended"], strict=True)
    ]
    hours = charts.horizontal_bars(
        rows,
        "mode_label",
        "hours",
        title="Hours of attended contact by mode",
        period=period,
        x_title="Hours of attended contact",
        text_col="hours_text",
    )
    stat = _missing_text(scope)
    frame = pd.DataFrame(
        {
            "Mode": rows["mode_label"].astype(str),
            "Attended": rows["attended_count"].map(formats.fmt_count),
            "Share of attended": rows["share_pct"].map(service.share_text),
            "Did not attend": rows["dna_count"].map(formats.fmt_count),
            "Cancelled": rows["cancelled_count"].map(formats.fmt_count),
            "All contacts": rows["contact_count"].map(formats.fmt_count),
            "Minutes attended": rows["attended_minutes_total"].map(
                lambda v: formats.fmt_number(v, 0, missing=stat)
            ),
            "Mean minutes per attended contact": rows["mean_minutes_per_attended"].map(
                lambda v: formats.fmt_number(v, 0, missing=stat)
            ),
        }
    )
    helps = {"Share of attended": SHARE_HELP} if rounded else {}
    return Modes(
        counts, hours, Table(frame, fit_columns(frame, helps=helps), frame, "contacts_by_mode.csv")
    )


#: Lines on the chart of attended contacts by link worker: the workers with the most in the
#: period (every worker is in the download), so 2,100 workers stay readable.
MAX_WORKER_LINES = 12


@dataclass(frozen=True)
class Monthly:
    dna: go.Figure | None
    by_worker: go.Figure | None
    dna_download: pd.DataFrame
    worker_download: pd.DataFrame | None


@data.cached_view
def monthly(scope: Scope, filters: Filters) -> Monthly:
    """The DNA rate's SPC chart over whole months, and attended contacts per worker per
    month with part months left out (a 1-day last month read as a sudden drop)."""
    period = filters.period_label
    months = data.query("contacts_by_month", scope, filters)
    whole = service.whole_months(months)
    points = whole[whole["dna_pct"].notna()]
    dna = None
    if len(points) >= 2:
        result = spc.xmr(
            points["dna_pct"].astype(float),
            improvement="decrease",
            periods=pd.to_datetime(points["month_start"]),
        )
        dna = spc_chart(
            result,
            title="Did-not-attend rate each month",
            period_label=period,
            y_title="Contacts not attended (% of booked)",
            improvement="decrease",
            value_format=",.1f",
        )
    dna_download = formats.readable_frame(
        months,
        {
            "month_start": "Month",
            "is_whole_month": "Whole month in the period",
            "attended_count": "Attended (number)",
            "dna_count": "Did not attend (number)",
            "cancelled_count": "Cancelled (number)",
            "dna_pct": "Did not attend (% of booked)",
        },
        {
            "month_start": formats.uk_month,
            "is_whole_month": lambda v: "yes" if v else "no (part month)",
            "attended_count": formats.fmt_count,
            "dna_count": formats.fmt_count,
            "cancelled_count": formats.fmt_count,
            "dna_pct": lambda v: formats.fmt_number(v, 1, missing=_missing_text(scope)),
        },
    )
    workers = data.query("contacts_by_worker_month", scope, filters)
    by_worker = worker_download = None
    if not workers.empty:
        by_worker = charts.lines_by_group(
            workers,
            "display_name",
            "attended_count",
            title="Attended contacts each month, by link worker",
            period=period,
            y_title="Attended contacts per month (number)",
            max_lines=MAX_WORKER_LINES,
            line_noun="link workers",
        )
        worker_download = formats.readable_frame(
            workers,
            {
                "month_start": "Month",
                "is_whole_month": "Whole month in the period",
                "display_name": "Link worker",
                "fte": "FTE",
                "attended_count": "Attended contacts (number)",
            },
            {
                "month_start": formats.uk_month,
                "is_whole_month": lambda v: "yes" if v else "no (part month)",
                "attended_count": formats.fmt_count,
            },
        )
    return Monthly(dna, by_worker, dna_download, worker_download)


@dataclass(frozen=True)
class PerPerson:
    figure: go.Figure
    download: pd.DataFrame


@data.cached_view
def per_person(scope: Scope, filters: Filters) -> PerPerson:
    rows = data.query("contacts_per_person", scope, filters)
    figure = charts.band_histogram(
        rows,
        from_col="from_contacts",
        to_col="to_contacts",
        count_col="person_count",
        label_col="contacts_band",
        title="Attended contacts per episode, for episodes that ended in the period",
        period=filters.period_label,
        x_title="Attended contacts in the episode (number)",
        unit="contact",
    )
    download = formats.readable_frame(
        rows,
        {"contacts_band": "Attended contacts", "person_count": "Episodes (number)"},
        {"person_count": formats.fmt_count},
    )
    return PerPerson(figure, download)


@dataclass(frozen=True)
class Goals:
    has_data: bool
    metrics: tuple[Metric, ...]
    figure: go.Figure | None
    table: Table | None


@data.cached_view
def goals(scope: Scope, filters: Filters) -> Goals:
    """Goals by domain: the share of closed goals achieved with its Wilson interval, from the
    counts shown (rounded in a publishable scope, where a share and its interval are withheld
    under a small rounded denominator)."""
    rounded = scope.rounded
    rows = data.query("goals_by_domain", scope, filters)
    if rows.empty:
        return Goals(False, (), None, None)
    rows = service.label_codes(rows, "domain", labels.GOAL_DOMAINS, "domain_label")
    rows["achieved_pct"] = service.shares(rows["achieved_count"], rows["closed_count"], rounded)
    rows = service.with_wilson(rows, "achieved_count", "closed_count")
    hidden = rows["achieved_pct"].map(lambda v: v is None)
    rows.loc[hidden, ["achieved_ci_low_pct", "achieved_ci_high_pct"]] = float("nan")
    total = service.goals_total_row(data.query("goal_totals", scope, filters))
    total_share = service.share(total["achieved_count"], total["closed_count"], rounded)
    interval = (
        f"95% interval {formats.fmt_pct(total['achieved_ci_low_pct'])} to "
        f"{formats.fmt_pct(total['achieved_ci_high_pct'])} (Wilson)."
        if isinstance(total_share, float) and not formats.is_missing(total_share)
        else None
    )
    metrics = (
        Metric("Goals agreed", formats.fmt_count(total["goal_count"])),
        Metric("Closed goals achieved", service.share_text(total_share), interval),
        Metric("Goals closed", formats.fmt_count(total["closed_count"])),
    )
    chart_rows = rows.assign(
        achieved_pct=[float("nan") if formats.is_missing(v) else v for v in rows["achieved_pct"]]
    )
    figure = charts.goals_achieved(chart_rows, filters.period_label)
    frame = pd.DataFrame(
        {
            "Domain": rows["domain_label"].astype(str),
            "Achieved (% of closed)": rows["achieved_pct"].map(service.share_text),
            "95% interval": [
                formats.SUPPRESSED
                if p is None
                else (
                    formats.NO_DATA
                    if formats.is_missing(lo)
                    else f"{formats.fmt_pct(lo)} to {formats.fmt_pct(hi)}"
                )
                for p, lo, hi in zip(
                    rows["achieved_pct"],
                    rows["achieved_ci_low_pct"],
                    rows["achieved_ci_high_pct"],
                    strict=True,
                )
            ],
            "Agreed": rows["goal_count"].map(formats.fmt_count),
            "Closed": rows["closed_count"].map(formats.fmt_count),
            "Achieved": rows["achieved_count"].map(formats.fmt_count),
            "Partly achieved": rows["partly_achieved_count"].map(formats.fmt_count),
            "Median days to achieve": rows["median_days_to_achieve"].map(
                lambda v: formats.fmt_number(v, 0, missing=_missing_text(scope))
            ),
        }
    )
    helps = {"Achieved (% of closed)": SHARE_HELP} if rounded else {}
    return Goals(
        True,
        metrics,
        figure,
        Table(frame, fit_columns(frame, helps=helps), frame, "goals_by_domain.csv"),
    )


@dataclass(frozen=True)
class Domains:
    figure: go.Figure | None
    download: pd.DataFrame | None


@data.cached_view
def domains(scope: Scope, filters: Filters) -> Domains:
    """Of each condition's goals, the share in each domain: a row adds up to 100% (it was the
    share of plans with a goal in the domain, which added up to over 100%), and the colour
    scale runs to the largest cell, not to 100%."""
    rows = data.query("goal_domains_by_condition", scope, filters)
    if rows.empty:
        return Domains(None, None)
    rows = service.label_codes(rows, "domain", labels.GOAL_DOMAINS, "domain_label")
    rows = service.label_codes(rows, "condition", labels.CONDITIONS, "condition_label")
    rows["share"] = service.shares(rows["goal_count"], rows["condition_goal_count"], scope.rounded)
    figure = charts.domains_by_condition(
        rows,
        [labels.CONDITIONS[c] for c in labels.CONDITIONS] + [service.NOT_RECORDED],
        list(labels.GOAL_DOMAINS.values()),
        filters.period_label,
    )
    download = formats.readable_frame(
        rows,
        {
            "condition_label": "Condition",
            "domain_label": "Domain",
            "goal_count": "Goals in the domain (number)",
            "condition_goal_count": "Goals for the condition (number)",
            "share": "Share of the condition's goals (%)",
            "person_count": "People with a goal in the domain (number)",
            "plan_count": "People with a plan (number)",
        },
        {
            "goal_count": formats.fmt_count,
            "condition_goal_count": formats.fmt_count,
            "share": service.share_text,
            "person_count": formats.fmt_count,
            "plan_count": formats.fmt_count,
        },
    )
    return Domains(figure, download)


#: How each section is worked out (the page's "How is this worked out?"), and its SQL.
DEFINITIONS = {
    "modes": (
        "Contacts dated in the period, for referrals from the practices, conditions and link workers chosen. Minutes are those recorded for attended contacts. Publishable view: minutes are not shown for modes with 7 or fewer attended contacts.",
        ("contacts_by_mode",),
    ),
    "dna": (
        "Each whole month's did-not-attend (DNA) rate: contacts the person did not attend, as a share of attended plus not-attended contacts (cancelled ones left out), as NHS appointment statistics do. A Making Data Count XmR chart; the improvement direction is **decrease** (fewer missed appointments is better). Part months at the ends of the period are left out. The rate at the top of the page is for the whole period, from the period's own DNA and booked totals (rounded on their own in the publishable view).",
        ("contacts_by_month", "contact_totals"),
    ),
    "workers": (
        "Attended contacts per calendar month for the referrals each worker holds. Compare workers with their FTE in mind (see the Caseload and waits page); the first and last months may be part months.",
        ("contacts_by_worker_month",),
    ),
    "per_person": (
        "Episodes discharged in the period (so the count of contacts is complete), by the number of contacts attended over the whole episode. 6-12 contacts is typical of social prescribing (NHS England, as cited by London's programme).",
        ("contacts_per_person", "derive_referral_facts"),
    ),
    "goals": (
        "Goals agreed in the period, in the six domains of the service model plus work and volunteering, and other. A goal is closed when it has any status but open by the report date (achieved, partly achieved, not achieved or withdrawn); the share achieved is of the closed goals, with a Wilson 95% interval, so goals still open are neither successes nor failures. Time to achieve is the median number of days from agreeing to achieving, for the goals achieved. Publishable view: counts rounded, shares from the rounded counts, medians of 7 or fewer goals suppressed. The totals above the chart are counted for all domains at once (rounded on their own in the publishable view), not added up from the rows, so one suppressed domain does not hide the overall share.",
        ("goals_by_domain", "goal_totals"),
    ),
    "domains": (
        "For the goals agreed in the period, each domain's share of the condition's goals: a "
        "row adds up to 100% (rounding aside). A person with goals in several domains counts "
        "once for each goal. The colour runs from white to the largest cell. The download also "
        "has the number of people with a goal in each domain, out of those with a plan.",
        ("goal_domains_by_condition",),
    ),
}
