"""The Caseload and waits page, section by section: display-ready and protected."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from wellpath import data, formats, labels, service, spc, theme
from wellpath.charts import service as charts
from wellpath.charts.spc import spc_chart
from wellpath.scope import Filters, Scope
from wellpath.views._service import HALF_WIDTH_PX, SHARE_HELP, Metric, Table, fit_columns

KM_COHORTS = {
    "since_start": "every caseload begun up to the end of the period",
    "in_period": "caseloads begun in the period only",
}
#: Condition first: readable at every scope (a practice manager's "by practice" is one row, a
#: national one 6,300 curves' medians, 1.6M counted rows and 1.2 s on every first load);
#: practices are one click away.
KM_GROUPS = ("Condition", "Practice")
#: Link workers drawn as small multiples; the table and download hold every worker.
TOP_WORKERS = 30
#: Groups drawn as Kaplan-Meier curves (those with the most episodes); the table has all.
TOP_KM_GROUPS = 10
#: People listed on screen in the person-level lists (longest first); downloads hold everyone.
#: A national programme lead's waiting list is 62,000 people: converting it for the browser on
#: every run took most of the page's time.
PEOPLE_SHOWN = 1_000


def _first_people(frame: pd.DataFrame, what: str) -> tuple[pd.DataFrame, str | None]:
    """The first PEOPLE_SHOWN rows (the lists come longest first), and a note when cut."""
    if len(frame) <= PEOPLE_SHOWN:
        return frame, None
    note = f"Showing the {PEOPLE_SHOWN:,} {what} of {len(frame):,}; the download lists everyone."
    return frame.head(PEOPLE_SHOWN), note


def _condition_label(code: object) -> str:
    return labels.label(labels.CONDITIONS, code)


def _months_text(months: object) -> str:
    return formats.fmt_number(months, 1)


def _practices() -> pd.DataFrame:
    return data.service_query("practice_list")


def _durations(scope: Scope, filters: Filters, cohort: str, group_by: str) -> pd.DataFrame:
    """Episodes counted by group_key ('all': one group, 'practice', 'condition'), length in
    days and ended: a few thousand rows for one group, not one row per episode."""
    return data.query(
        "caseload_duration_counts",
        scope,
        filters,
        cohort_from_date=None if cohort == "since_start" else filters.start_date,
        group_by=group_by,
    )


@data.cached_view
def headline(scope: Scope, filters: Filters, cohort: str = "since_start") -> tuple[Metric, ...]:
    report_date = formats.uk_date(filters.report_date)
    active = data.query("active_caseload_by_month", scope, filters)
    overall, _ = service.km_summary(
        _durations(scope, filters, cohort, "all"), None, rounded=scope.rounded
    )
    summary = data.query("wait_summary", scope, filters)
    waiting = data.query("people_waiting_by_band", scope, filters)
    row = overall.iloc[0]
    median_wait = summary["median_wait_days"].iloc[0] if len(summary) else None
    return (
        Metric(
            f"On the caseload on {report_date}",
            formats.fmt_count(active["active_count"].iloc[-1]) if len(active) else formats.NO_DATA,
            "Accepted, first contact on or before the date, not discharged before it.",
        ),
        Metric(
            "Median time on the caseload",
            service.median_text(row["median_months"], row["median_reached"], " months"),
            f"Kaplan-Meier estimate for {KM_COHORTS[cohort]}, with people still on the "
            "caseload counted for as long as they have been on it so far.",
        ),
        Metric(
            "Median wait for a first contact",
            formats.fmt_number(median_wait, 0, " days", missing=formats.SUPPRESSED)
            if scope.rounded
            else formats.fmt_number(median_wait, 0, " days"),
            "From referral to first contact, for referrals in the period seen by the report date.",
        ),
        Metric(
            f"Waiting on {report_date}",
            formats.fmt_count(waiting["waiting_total_count"].iloc[0] if len(waiting) else 0),
            "Referred and not yet triaged, or accepted and not yet seen.",
        ),
    )


@dataclass(frozen=True)
class Active:
    figure: go.Figure
    download: pd.DataFrame


@data.cached_view
def active(scope: Scope, filters: Filters) -> Active:
    rows = data.query("active_caseload_by_month", scope, filters)
    download = formats.readable_frame(
        rows,
        {"month_start": "Month", "on_date": "Counted on", "active_count": "People (number)"},
        {
            "month_start": formats.uk_month,
            "on_date": formats.uk_date,
            "active_count": formats.fmt_count,
        },
    )
    return Active(charts.active_caseload(rows, filters.period_label), download)


@dataclass(frozen=True)
class Workers:
    figure: go.Figure | None
    note: str | None
    table: Table | None


@data.cached_view
def workers(scope: Scope, filters: Filters) -> Workers:
    rows = data.query("worker_caseload_by_month", scope, filters)
    if rows.empty:
        return Workers(None, None, None)
    report_date = formats.uk_date(filters.report_date)
    latest = rows.sort_values("month_start").groupby("worker_id").tail(1)
    ranked = latest.assign(_n=pd.to_numeric(latest["supported_12m_count"], errors="coerce"))
    ranked = ranked.sort_values(["_n", "display_name"], ascending=[False, True])
    note = None
    # the chart's rows in rank order (most people supported first), top workers only
    order = {w: i for i, w in enumerate(ranked["worker_id"].iloc[:TOP_WORKERS])}
    shown = rows[rows["worker_id"].isin(order.keys())]
    shown = shown.assign(_rank=shown["worker_id"].map(order)).sort_values(
        ["_rank", "month_start"], kind="stable"
    )
    if len(ranked) > TOP_WORKERS:
        note = (
            f"Showing the {TOP_WORKERS} link workers who supported the most people, of "
            f"{len(ranked)}; every worker is in the table below and its download."
        )
    figure = charts.worker_caseloads(shown, filters.period_label)
    frame = pd.DataFrame(
        {
            "Link worker": ranked["display_name"].astype(str),
            "FTE": ranked["fte"].map(lambda v: formats.fmt_number(v, 1)),
            f"On the caseload on {report_date}": ranked["active_count"].map(formats.fmt_count),
            "Supported in the 12 months to then": ranked["supported_12m_count"].map(
                formats.fmt_count
            ),
            "Safe range for those 12 months": [
                f"{formats.fmt_number(lo, 0)}-{formats.fmt_number(hi, 0)}"
                for lo, hi in zip(
                    ranked["safe_caseload_low_people"],
                    ranked["safe_caseload_high_people"],
                    strict=True,
                )
            ],
        }
    )
    download = formats.readable_frame(
        rows,
        {
            "month_start": "Month",
            "display_name": "Link worker",
            "fte": "FTE",
            "active_count": "On the caseload at the month end (people)",
            "supported_12m_count": "Supported in the 12 months to the month end (people)",
            "safe_caseload_low_people": "Safe range, low (people)",
            "safe_caseload_high_people": "Safe range, high (people)",
        },
        {
            "month_start": formats.uk_month,
            "active_count": formats.fmt_count,
            "supported_12m_count": formats.fmt_count,
            "safe_caseload_low_people": lambda v: formats.fmt_number(v, 0),
            "safe_caseload_high_people": lambda v: formats.fmt_number(v, 0),
        },
    )
    return Workers(
        figure, note, Table(frame, fit_columns(frame), download, "worker_caseload_by_month.csv")
    )


@dataclass(frozen=True)
class Stay:
    has_data: bool
    overall: go.Figure | None
    not_reached_note: str | None
    by_group: go.Figure | None
    table: Table | None


@data.cached_view
def stay(
    scope: Scope, filters: Filters, cohort: str = "since_start", by: str = KM_GROUPS[0]
) -> Stay:
    durations = _durations(scope, filters, cohort, "all")
    if durations.empty:
        return Stay(False, None, None, None, None)
    rounded, period = scope.rounded, filters.period_label
    overall, curves = service.km_summary(durations, None, rounded=rounded)
    practices = _practices()
    names = dict(zip(practices["practice_code"], practices["practice_name"], strict=True))
    if by == "Practice":
        summary, group_curves = service.km_summary(
            _durations(scope, filters, cohort, "practice"),
            "group_key",
            names,
            rounded=rounded,
            curves_top=TOP_KM_GROUPS,
        )
        colours = theme.practice_colours(practices["practice_code"])
        group_colours = {names[c]: colours[c] for c in colours if c in names}
    else:
        summary, group_curves = service.km_summary(
            _durations(scope, filters, cohort, "condition"),
            "group_key",
            labels.CONDITIONS,
            rounded=rounded,
            curves_top=TOP_KM_GROUPS,
        )
        group_colours = None
    title = "Time on the caseload: share still on it"
    overall_fig = charts.km_curves(curves, period, title=title)
    group_title = f"Time on the caseload by {by.lower()}"
    with_curve = int(summary["median_reached"].notna().sum()) if len(summary) else 0
    if len(group_curves) < with_curve:
        # every group is in the table below; a chart of 265 curves could not be read
        group_title += f": the {len(group_curves)} with the most episodes (all in the table)"
    group_fig = (
        charts.km_curves(group_curves, period, colours=group_colours, title=group_title)
        if group_curves
        else None
    )
    note = None
    if service.is_false(overall.iloc[0]["median_reached"]):
        note = (
            "Fewer than half of these caseloads have ended, so the median is not reached yet. "
            "Include every caseload begun since the start, or choose a longer period, to see it."
        )
    table = pd.concat([overall.astype(object), summary.astype(object)], ignore_index=True)
    frame = pd.DataFrame(
        {
            "Group": table["group"].astype(str),
            "Episodes": table["episodes"].map(formats.fmt_count),
            "Discharged": table["discharged"].map(formats.fmt_count),
            "Median (months)": [
                service.median_text(m, r)
                for m, r in zip(table["median_months"], table["median_reached"], strict=True)
            ],
            "95% interval (months)": [
                service.interval_text(lo, hi, r)
                for lo, hi, r in zip(
                    table["median_ci_low_months"],
                    table["median_ci_high_months"],
                    table["median_reached"],
                    strict=True,
                )
            ],
        }
    )
    return Stay(
        True,
        overall_fig,
        note,
        group_fig,
        Table(frame, fit_columns(frame), frame, "time_on_caseload_summary.csv"),
    )


@dataclass(frozen=True)
class Lengths:
    figure: go.Figure
    download: pd.DataFrame


@data.cached_view
def lengths(scope: Scope, filters: Filters) -> Lengths:
    rows = data.query("completed_episode_lengths", scope, filters)
    figure = charts.band_histogram(
        rows,
        from_col="from_months",
        to_col="to_months",
        count_col="episode_count",
        label_col="length_band",
        title="Length of episodes discharged in the period",
        period=filters.period_label,
        x_title="Time on the caseload (months)",
        unit="month",
    )
    download = formats.readable_frame(
        rows,
        {"length_band": "Time on the caseload", "episode_count": "Episodes discharged (number)"},
        {"episode_count": formats.fmt_count},
    )
    return Lengths(figure, download)


@dataclass(frozen=True)
class Waits:
    metrics: tuple[Metric, ...]
    spc: go.Figure | None
    table: Table


@data.cached_view
def waits(scope: Scope, filters: Filters) -> Waits:
    rows = data.query("waits_by_referral_month", scope, filters)
    summary = data.query("wait_summary", scope, filters)
    s = summary.iloc[0] if len(summary) else pd.Series(dtype=object)
    missing = formats.SUPPRESSED if scope.rounded and len(summary) else formats.NO_DATA
    metrics = (
        Metric("People seen", formats.fmt_count(s.get("seen_count"))),
        Metric("Median wait", formats.fmt_number(s.get("median_wait_days"), 0, " days", missing)),
        Metric(
            "90th percentile wait",
            formats.fmt_number(s.get("p90_wait_days"), 0, " days", missing),
            "Nine in ten people seen had waited no longer than this.",
        ),
    )
    points = service.settled_wait_months(rows)
    figure = None
    if len(points) >= 2:
        result = spc.xmr(
            points["median_wait_days"].astype(float),
            improvement="decrease",
            periods=pd.to_datetime(points["month_start"]),
        )
        figure = spc_chart(
            result,
            title="Median wait for a first contact, by month of referral",
            period_label=filters.period_label,
            y_title="Median wait (days)",
            improvement="decrease",
            value_format=",.0f",
        )

    def stat(values: pd.Series, seen: pd.Series) -> list[str]:
        return [
            formats.NO_DATA
            if (not formats.is_missing(n) and float(n) == 0)
            else formats.fmt_number(v, 0, missing=formats.SUPPRESSED)
            for v, n in zip(values, seen, strict=True)
        ]

    frame = pd.DataFrame(
        {
            "Month of referral": rows["month_start"].map(formats.uk_month),
            "Referred": rows["referral_count"].map(formats.fmt_count),
            "Seen": rows["seen_count"].map(formats.fmt_count),
            "Median wait (days)": stat(rows["median_wait_days"], rows["seen_count"]),
            "90th percentile (days)": stat(rows["p90_wait_days"], rows["seen_count"]),
            "Still waiting": rows["still_waiting_count"].map(formats.fmt_count),
        }
    )
    return Waits(
        metrics, figure, Table(frame, fit_columns(frame), frame, "waits_by_referral_month.csv")
    )


@dataclass(frozen=True)
class Waiting:
    figure: go.Figure
    download: pd.DataFrame
    listed_count: int | None  # rows of the person-level list (waiting_people); None if rounded
    note: str | None


@data.cached_view
def waiting(scope: Scope, filters: Filters) -> Waiting:
    """The waiting list by band, and in full access how many rows the person-level list
    (`waiting_people`, drawn when asked for) has: the same count of referrals waiting."""
    bands = data.query("people_waiting_by_band", scope, filters)
    figure = charts.waiting_list(bands, formats.uk_date(filters.report_date))
    download = formats.readable_frame(
        bands.assign(what=bands["waiting_for"].map(service.WAITING_FOR)),
        {
            "what": "Waiting for",
            "wait_band": "Time since referral",
            "person_count": "People (number)",
        },
        {"person_count": formats.fmt_count},
    )
    if scope.rounded:
        return Waiting(
            figure, download, None, "Publishable view: the person-level waiting list is not shown."
        )
    listed = int(bands["waiting_total_count"].iloc[0]) if len(bands) else 0
    return Waiting(figure, download, listed, None)


@dataclass(frozen=True)
class People:
    """A person-level list as shown (its first PEOPLE_SHOWN rows) and downloaded (all)."""

    table: Table
    note: str | None


def _where_and_who(people: pd.DataFrame) -> dict[str, pd.Series]:
    """The person lists' last three columns: practice, condition and link worker."""
    names = dict(zip(_practices()["practice_code"], _practices()["practice_name"], strict=True))
    return {
        "Practice": people["practice_code"].map(names),
        "Condition": formats.format_each(people["condition"], _condition_label),
        "Link worker": people["worker_name"].fillna("not assigned").astype(str),
    }


@data.cached_view
def waiting_people(scope: Scope, filters: Filters) -> People | None:
    """The waiting list person by person (pseudonyms), longest wait first; None in a rounded
    scope. Asked for on its own (the page lists them when the reader chooses to): 61,498
    rows for the whole service at national scale."""
    if scope.rounded:
        return None
    people = data.query("people_waiting", scope, filters)
    frame = pd.DataFrame(
        {
            "Pseudonym": people["patient_id"].astype(str),
            "Waiting for": people["waiting_for"].map(service.WAITING_FOR),
            "Days waiting": formats.format_each(people["days_waiting"], formats.fmt_count),
            "Referred": formats.format_each(people["referral_date"], formats.uk_date),
            **_where_and_who(people),
        }
    )
    shown, note = _first_people(frame, "people waiting longest")
    return People(Table(shown, fit_columns(shown), frame, "people_waiting.csv"), note)


@dataclass(frozen=True)
class Endings:
    figure: go.Figure | None
    download: pd.DataFrame
    long_stays: Table
    people_listable: bool  # full access: the people themselves can be listed (long_stay_people)


@data.cached_view
def endings(scope: Scope, filters: Filters) -> Endings:
    """Discharges by reason, each with its share of the discharges (from rounded parts, withheld
    under a small rounded total, and "under 1%" rather than "0%" for a real person); long stays
    by practice; whether the people on the caseload over 18 months may be listed (full access
    only: `long_stay_people`)."""
    rounded = scope.rounded
    report_date = formats.uk_date(filters.report_date)
    discharges = data.query("discharges_by_reason", scope, filters)
    reasons = service.label_codes(
        discharges, "discharge_reason", labels.DISCHARGE_REASONS, "reason"
    )
    total = service.column_total(reasons["discharge_count"], rounded)
    reasons["share_pct"] = service.shares(reasons["discharge_count"], total, rounded)
    reasons["text"] = [
        service.count_with_share(n, p)
        for n, p in zip(reasons["discharge_count"], reasons["share_pct"], strict=True)
    ]
    figure = None
    if len(reasons):
        figure = charts.horizontal_bars(
            reasons,
            "reason",
            "discharge_count",
            title="Discharges by reason",
            period=filters.period_label,
            x_title="Episodes discharged (number)",
            text_col="text",
        )
    download = formats.readable_frame(
        reasons,
        {
            "reason": "Discharge reason",
            "discharge_count": "Episodes (number)",
            "share_pct": "Share (%)",
        },
        {"discharge_count": formats.fmt_count, "share_pct": service.share_text},
    )
    stays = data.query("long_stays_by_practice", scope, filters)
    stays["share"] = service.shares(stays["over_18_months_count"], stays["active_count"], rounded)
    frame = pd.DataFrame(
        {
            "Practice": stays["practice_name"].astype(str),
            "On the caseload": stays["active_count"].map(formats.fmt_count),
            "Over 18 months": stays["over_18_months_count"].map(formats.fmt_count),
            "Share": stays["share"].map(service.share_text),
        }
    )
    long_stays = Table(
        frame,
        fit_columns(
            frame,
            HALF_WIDTH_PX,
            helps={
                "On the caseload": f"People on the caseload on {report_date}.",
                "Over 18 months": "Of them, on the caseload for more than 18 months.",
                **({"Share": SHARE_HELP} if rounded else {}),
            },
        ),
        frame,
        "long_stays_by_practice.csv",
    )
    return Endings(figure, download, long_stays, not rounded)


@data.cached_view
def long_stay_people(scope: Scope, filters: Filters) -> People | None:
    """The people on the caseload for more than 18 months on the report date, by pseudonym,
    longest first; None in a rounded scope. Asked for on its own (the page lists them when
    the reader chooses to): 54,651 rows for the whole service at national scale."""
    if scope.rounded:
        return None
    people = data.query("long_stay_people", scope, filters)
    people_frame = pd.DataFrame(
        {
            "Pseudonym": people["patient_id"].astype(str),
            "Months": formats.format_each(people["caseload_months"], _months_text),
            "On the caseload since": formats.format_each(people["caseload_start"], formats.uk_date),
            "Last attended contact": formats.format_each(
                people["last_attended_contact_date"], formats.uk_date
            ),
            **_where_and_who(people),
        }
    )
    shown, note = _first_people(people_frame, "longest stays")
    return People(
        Table(shown, fit_columns(shown), people_frame, "long_stay_people.csv"),
        note,
    )


#: How each section is worked out (the page's "How is this worked out?"), and its SQL.
DEFINITIONS = {
    "active": (
        "People on the active caseload at the end of each month (the report date for the last, part month): accepted at triage, with a first contact on or before that day and not discharged before it (the data contract's definition). A person with two open episodes is counted once.",
        ("active_caseload_by_month",),
    ),
    "workers": (
        "The NHS Long Term Plan sets a safe caseload for a full-time social prescribing link worker at **200-250 people a year** (as cited by London's social prescribing programme; see Methods and sources). That is a number of people supported over a year, not a number on the books on one day, so the chart counts the same thing: the people each worker supported at any time in the 12 months up to each month end (first contact on or before the month end, not discharged before the 12 months began). Each row is a worker and each cell a month end, coloured by whether those people were below, within or above the safe range: 200-250 people pro rata the worker's FTE, and pro rata the part of those 12 months they were in post (hover for the numbers, and the caseload on the day: with people staying many months, it is well below the people supported in a year). When the sidebar selects some practices only, a worker's other practices are left out of the people counted but not the range.",
        ("worker_caseload_by_month",),
    ),
    "km": (
        "Kaplan-Meier estimate of time on the caseload for the caseloads chosen above (by default every caseload begun up to the end of the period; a caseload begins at first contact, or at triage when there was none), followed to the report date. People still on the caseload are *censored*: they count for the time they have been on it so far, so the estimate does not pretend that only the finished episodes exist. The median is the time by which half have left, with a 95% interval (Greenwood variance, log-log interval; Brookmeyer-Crowley for the median). 'Not reached' means fewer than half have left: choose a longer period to see it. Publishable view: groups of 7 or fewer episodes are not shown.",
        ("caseload_duration_counts",),
    ),
    "lengths": (
        "Episodes with a discharge date in the period, by time from the start of the caseload (first contact, or triage when there was none) to discharge, in months of 30.44 days.",
        ("completed_episode_lengths",),
    ),
    "waits": (
        "Days from the referral date to the first contact date, for referrals received in the period that had a first contact by the report date. Median and 90th percentile by linear interpolation (R's default). The SPC chart plots each whole month's median by month of referral; the improvement direction is **decrease** (shorter waits are better). Read the latest months with the 'Still waiting' column: until those people are seen, a month's median only covers the quicker ones, so the chart leaves out months where more than 1 in 10 of the people seen or waiting are still waiting, and part months.",
        ("waits_by_referral_month", "wait_summary"),
    ),
    "waiting": (
        "Everyone referred on or before the report date who, on that date, had not been triaged, or had been accepted and not yet seen, and had not been discharged; by time since referral. This is the waiting list as it stood at the end of the period, whenever the people were referred.",
        ("people_waiting_by_band", "people_waiting"),
    ),
    "discharges": (
        "Episodes with a discharge date in the period, by the reason recorded.",
        ("discharges_by_reason",),
    ),
    "long_stays": (
        "People on the active caseload on the report date whose caseload began more than 18 months (548 days) before it. Ways to Wellness clients stayed 18-21 months on average, so long stays are expected in a long-term conditions service; the list helps an MDT review whether each still needs the service.",
        ("long_stays_by_practice", "long_stay_people"),
    ),
}
