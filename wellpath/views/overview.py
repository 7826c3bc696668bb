"""What the Overview page shows: the service's headline figures, each from the same query
(or view) as the page that goes into it in detail, so the numbers agree across pages.

The PSEQ figures are `views.outcomes.pseq_headline`: the Outcomes table's PSEQ row itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from wellpath import data, disclosure, formats, theme
from wellpath.charts import service as service_charts
from wellpath.scope import Filters, Scope
from wellpath.views import outcomes as outcome_views
from wellpath.views.referrals import top_practices


@dataclass(frozen=True)
class Metric:
    label: str
    value: str
    help: str
    caption: str = ""


@dataclass(frozen=True)
class Service:
    metrics: tuple[Metric, ...]
    referrals_chart: go.Figure | None
    caseload_chart: go.Figure | None


def _first(frame, column: str, where: tuple[str, str] | None = None) -> object:  # noqa: ANN001
    rows = frame if where is None else frame[frame[where[0]] == where[1]]
    return rows[column].iloc[0] if len(rows) and column in rows else None


@data.cached_view
def service(scope: Scope, filters: Filters) -> Service:
    funnel = data.query("triage_funnel", scope, filters)
    waits = data.query("wait_summary", scope, filters)
    caseload = data.query("active_caseload_by_month", scope, filters)
    waiting = data.query("people_waiting_by_band", scope, filters)
    by_practice = data.query("referrals_by_practice_month", scope, filters)
    referred = _first(funnel, "referral_count", ("stage", "referred"))
    accepted = _first(funnel, "referral_count", ("stage", "accepted"))
    if scope.rounded:
        accepted_pct = disclosure.published_share(accepted, referred)
    else:
        accepted_pct = _first(funnel, "conversion_pct", ("stage", "accepted"))
    on_caseload = caseload["active_count"].iloc[-1] if len(caseload) else 0
    on_date = caseload["on_date"].iloc[-1] if len(caseload) else filters.report_date
    seen = _first(waits, "seen_count")
    seen = 0 if seen is None else seen
    p90 = formats.stat_text(
        _first(waits, "p90_wait_days"), seen, lambda v: formats.fmt_number(v, 0, " days")
    )
    median = formats.stat_text(
        _first(waits, "median_wait_days"), seen, lambda v: formats.fmt_number(v, 0, " days")
    )
    waiting_total = _first(waiting, "waiting_total_count")
    metrics = (
        Metric(
            "Referrals received",
            formats.fmt_count(referred if referred is not None else 0),
            "Referrals dated in the period (queries/triage_funnel.sql).",
        ),
        Metric(
            "Accepted",
            formats.fmt_count(accepted if accepted is not None else 0),
            "Referrals in the period that triage accepted (queries/triage_funnel.sql).",
            f"{formats.fmt_pct(accepted_pct, missing=formats.SUPPRESSED)} of referrals received",
        ),
        Metric(
            "On the caseload",
            formats.fmt_count(on_caseload),
            "People accepted, first seen on or before the date and not discharged before it "
            "(queries/active_caseload_by_month.sql).",
            f"on {formats.uk_date(on_date)}",
        ),
        Metric(
            "Waiting",
            formats.fmt_count(0 if waiting_total is None else waiting_total),
            "People referred and not yet seen on the report date: awaiting triage, or accepted "
            "and awaiting a first contact (queries/people_waiting_by_band.sql).",
        ),
        Metric(
            "Median wait",
            median,
            "Referral date to first contact, for referrals in the period seen by the report "
            "date (queries/wait_summary.sql).",
            f"to first contact; 9 in 10 seen within {p90}",
        ),
    )
    period = filters.period_label
    referrals_chart = None
    if len(by_practice):
        practices = data.service_query("practice_list")
        by_practice = by_practice.assign(
            practice_name=by_practice["practice_name"].map(
                lambda v: str(v).replace("<", "‹").replace(">", "›")
            )
        )
        # The Referrals page's chart: the top practices on their own, the rest as one bar
        # (6,300 practices drew 6,300 traces: 105 s of plotly at national scale).
        colours = {
            **theme.practice_colours(practices["practice_code"]),
            "_other": theme.NHS_SECONDARY_TEXT,
        }
        referrals_chart = service_charts.referrals_by_practice_month(
            top_practices(by_practice, rounded=scope.rounded), colours, period
        )
        # The legend to the right of the plot, clear of the x-axis title (issue 10).
        referrals_chart.update_layout(
            legend={"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top"}
        )
    caseload_chart = service_charts.active_caseload(caseload, period) if len(caseload) else None
    return Service(metrics, referrals_chart, caseload_chart)


@dataclass(frozen=True)
class Pseq:
    metrics: tuple[Metric, ...]


@data.cached_view
def pseq(scope: Scope, filters: Filters) -> Pseq | None:
    """The Outcomes page's PSEQ row (latest follow-up, 5.5 points), as metrics."""
    row = outcome_views.pseq_headline(scope, filters)
    if row is None:
        return None
    return Pseq(
        (
            Metric(
                "People paired",
                row.pairs,
                "PSEQ at the start and a later one, the follow-up dated in the period "
                "(queries/outcome_score_pairs.sql).",
                "with a PSEQ at the start and a later one",
            ),
            Metric(
                "Mean PSEQ, start → latest",
                row.start_to_latest,
                "PSEQ scores run from 0 to 60; higher means more confident despite the pain.",
            ),
            Metric(
                "Mean change",
                f"{row.mean_change} points",
                "Follow-up minus baseline for the same people, with a t-based 95% interval.",
                f"95% CI {row.ci} points",
            ),
            Metric(
                row.mcid_label,
                row.mcid_share,
                "The meaningful change for the PSEQ (Chiarotto et al. 2016).",
                f"95% CI {row.mcid_ci}",
            ),
        )
    )
