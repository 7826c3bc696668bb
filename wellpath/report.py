"""The commissioner's impact report: one document for a quarter or a year, built from the
pages' own view functions, so that every figure in it is the very number a page shows for
the same scope and period.

The report is ALWAYS built for a rounded, publishable scope (`report_scope`): a commissioner's
own scope (rounded by definition), or `wellpath.scope.PUBLISHABLE` for anyone else who may
make it (a programme lead's click still produces the publishable report). Every section comes
from `wellpath.views.*` under that scope, healthcare use too (the Healthcare use page's
views, from the sums of healthcare_use_summary, never one row per person).

`build` returns a `Report` (sections of metrics, tables, charts and sentences, display-ready
text); `wellpath.report_html.render` writes it as one self-contained HTML file; `to_pdf`
prints that with Debian's Chromium through `wellpath.pack.html_to_pdf` (portrait A4: the
report's CSS page size wins). Nothing here needs a running Streamlit server: the views'
caches work in bare mode.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from wellpath import costs, data, formats, pack
from wellpath.scope import PUBLISHABLE, Filters, Scope
from wellpath.views import caseload, data_quality, healthcare, overview, referrals
from wellpath.views import outcomes as outcome_views

TITLE = "Social prescribing impact report"
#: Roles that may make the report (a practice's view of its own people is the MDT pack).
REPORT_ROLES = ("commissioner", "programme_lead")
CLI_MADE_BY = "command line"


class ReportRefused(PermissionError):
    """This viewer's role may not make the commissioner's report."""


class ReportUnavailable(RuntimeError):
    """The PDF cannot be made here; the HTML report still can."""


# --------------------------------------------------------------------------- content types
@dataclass(frozen=True)
class Figure:
    """A headline figure: `count` marks a number of people or records (rounded to 5)."""

    label: str
    value: str
    caption: str = ""
    count: bool = False


@dataclass(frozen=True)
class Table:
    """A display table of text cells; `counts` names the columns that count people or
    records (published rounded to 5, 1-7 as *)."""

    frame: pd.DataFrame
    title: str = ""
    counts: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Chart:
    figure: go.Figure
    note: str = ""


@dataclass(frozen=True)
class Text:
    """A paragraph; `**bold**` and `\\*` are read as in the views' sentences (markdown)."""

    text: str
    kind: str = "p"  # "p", "note" (small print) or "caveat" (a boxed warning)


@dataclass(frozen=True)
class Story:
    """A consented, publishable story, in the person's words: plain text as typed (the
    HTML writer escapes every character of it)."""

    title: str
    meta: str  # "3 Apr 2025 · West Road Medical Centre"
    text: str


Block = Figure | Table | Chart | Text | Story


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    summary: str  # what a commissioner should take away, in one or two sentences
    blocks: tuple[Block, ...] = ()


@dataclass(frozen=True)
class Report:
    title: str
    period_label: str
    scope_label: str
    made_by: str
    made_at: dt.datetime
    is_demo: bool
    sections: tuple[Section, ...] = field(default_factory=tuple)

    @property
    def charts(self) -> list[go.Figure]:
        return [b.figure for s in self.sections for b in s.blocks if isinstance(b, Chart)]


# --------------------------------------------------------------------------- scope and period
def report_scope(viewer: Scope | None) -> Scope:
    """The publishable scope the report is built for, whatever the viewer's own scope.

    A commissioner's scope is kept (it may cover some practices only), always rounded; a
    programme lead gets PUBLISHABLE (every practice, rounded); anyone else is refused."""
    if viewer is None:
        return PUBLISHABLE
    if viewer.role not in REPORT_ROLES:
        raise ReportRefused(
            f"The commissioner's report is for commissioners and programme leads, not for "
            f"the {viewer.role.replace('_', ' ')} role."
        )
    if viewer.role == "commissioner":
        return dataclasses.replace(viewer, rounded=True)
    return PUBLISHABLE


def parse_period(text: str) -> Filters:
    """'2025-04-01:2026-03-31' -> Filters for that period (both dates included)."""
    try:
        start_text, end_text = text.split(":")
        start, end = dt.date.fromisoformat(start_text), dt.date.fromisoformat(end_text)
    except ValueError as exc:
        raise ValueError(
            f"period {text!r} is not START:END with dates as YYYY-MM-DD, e.g. 2025-04-01:2026-03-31"
        ) from exc
    if end < start:
        raise ValueError(f"period {text!r} ends before it starts")
    return Filters(start_date=start, end_date=end)


def report_filters(filters: Filters) -> Filters:
    """The period only: the report covers every practice, condition and link worker in its
    scope (a sidebar selection does not narrow a published report)."""
    return Filters(start_date=filters.start_date, end_date=filters.end_date)


# --------------------------------------------------------------------------- helpers
def _metric(m, *, count: bool = False, caption: str | None = None) -> Figure:  # noqa: ANN001
    shown = getattr(m, "caption", "") if caption is None else caption
    return Figure(m.label, m.value, shown, count)


def _find(metrics: Sequence, label_start: str):  # noqa: ANN202
    for m in metrics:
        if m.label.startswith(label_start):
            return m
    return None


def _value(metrics: Sequence, label_start: str, default: str = formats.NO_DATA) -> str:
    m = _find(metrics, label_start)
    return default if m is None else m.value


def _has_figure(fig: go.Figure | None) -> bool:
    return fig is not None and len(fig.data) > 0


# --------------------------------------------------------------------------- sections
def _headline(scope: Scope, filters: Filters) -> Section:
    service = overview.service(scope, filters)
    pseq = overview.pseq(scope, filters)
    dq = data_quality.headline(scope, filters)
    counts = {"Referrals received", "Accepted", "On the caseload", "Waiting"}
    blocks: list[Block] = [_metric(m, count=m.label in counts) for m in service.metrics]
    if pseq is not None:
        blocks += [_metric(m, count=m.label == "People paired") for m in pseq.metrics]
    coverage = _find(dq.metrics, data_quality.PSEQ_COVERAGE_NAME)
    if coverage is not None:
        blocks.append(Figure(coverage.label, coverage.value, "of PSEQ baselines in the period"))
    m = service.metrics
    summary = (
        f"{_value(m, 'Referrals received')} referrals in the period, "
        f"{_value(m, 'Accepted')} accepted; {_value(m, 'On the caseload')} people on the "
        f"caseload at the end of it and {_value(m, 'Waiting')} waiting. Half were seen within "
        f"{_value(m, 'Median wait')}."
    )
    if pseq is not None:
        change = _value(pseq.metrics, "Mean change")
        summary += f" Pain self-efficacy (PSEQ) rose by {change} on average."
    return Section("headline", "Headline figures", summary, tuple(blocks))


RATE_COLUMNS = ("Practice", "Referrals", "Referrals per 1,000 patients", "Against the overall rate")


def _referrals(scope: Scope, filters: Filters) -> Section:
    head = referrals.headline(scope, filters)
    monthly = referrals.monthly(scope, filters)
    rates = referrals.rates(scope, filters)
    counts = {"Referrals received", "Still awaiting triage"}
    blocks: list[Block] = [_metric(m, count=m.label in counts) for m in head.metrics]
    blocks.append(Chart(monthly.by_practice))
    if _has_figure(rates.figure):
        blocks.append(Chart(rates.figure))
    table = rates.table.frame
    blocks.append(
        Table(
            table[[c for c in table.columns if c in RATE_COLUMNS or c == "Registered patients"]],
            "Referral rates by practice",
            counts=("Referrals",),
            note=(rates.caption or "")
            + " Registered patients are the practices' list sizes (published by NHS England),"
            " not people referred, so they are not rounded.",
        )
    )
    outside = [b for b in table.get("Against the overall rate", []) if "limit)" in str(b)]
    above = sum("Higher" in b for b in outside)
    below = sum("Lower" in b for b in outside)
    summary = (
        f"{_value(head.metrics, 'Referrals received')} referrals; "
        f"{_value(head.metrics, 'Accepted at triage')} accepted at triage. "
        + (
            f"{formats.plural(above, 'practice')} referred more and "
            f"{formats.plural(below, 'practice')} fewer than the overall rate would lead "
            "one to expect (outside the 95% limits of the funnel plot)."
            if outside
            else "Every practice's referral rate is in line with the overall rate."
        )
    )
    return Section("referrals", "Referrals and rates by practice", summary, tuple(blocks))


def _equity(scope: Scope, filters: Filters) -> Section:
    blocks: list[Block] = [
        Text(
            "No population comparison is possible yet: the data give each practice's total "
            "list size only, not its patients by age, sex, ethnic group or deprivation. These "
            "tables show who is referred and how triage treats each group, not whether a group "
            "is under-referred.",
            "caveat",
        )
    ]
    most_deprived = formats.NO_DATA
    for tab in referrals.equity(scope, filters):
        frame = tab.table.frame
        blocks.append(Table(frame, tab.title, counts=("Referrals", "Accepted", "Engaged")))
        if tab.title.startswith("Deprivation"):
            first = frame[frame.iloc[:, 0].astype(str).str.startswith("1")]
            if len(first):
                most_deprived = str(first["Share of referrals"].iloc[0])
    summary = (
        f"{most_deprived} of referrals came from people living in the most deprived fifth of "
        "areas in England. Shares accepted and engaged are compared across groups below."
    )
    return Section("equity", "Who is referred (equity)", summary, tuple(blocks))


def _waits(scope: Scope, filters: Filters) -> Section:
    waits = caseload.waits(scope, filters)
    waiting = caseload.waiting(scope, filters)
    head = caseload.headline(scope, filters)
    waiting_now = _find(head, "Waiting on")
    blocks: list[Block] = [
        _metric(m, count=m.label == "People seen", caption=m.help or "") for m in waits.metrics
    ]
    if waiting_now is not None:
        blocks.append(_metric(waiting_now, count=True, caption="referred, not yet seen"))
    if waits.spc is not None:
        blocks.append(Chart(waits.spc, _SPC_READING))
    blocks.append(Chart(waiting.figure))
    blocks.append(
        Table(
            waits.table.frame,
            "Waits by month of referral",
            counts=("Referred", "Seen", "Still waiting"),
            note="Recent months look quicker until everyone referred in them has been seen: "
            "read them with the 'Still waiting' column.",
        )
    )
    m = waits.metrics
    summary = (
        f"Half of the people seen waited {_value(m, 'Median wait')} or less for a first "
        f"contact, and 9 in 10 no more than {_value(m, '90th percentile')}. "
        f"{waiting_now.value if waiting_now else formats.NO_DATA} people were waiting on "
        f"{formats.uk_date(filters.report_date)}."
    )
    return Section("waits", "Waits", summary, tuple(blocks))


def _caseload(scope: Scope, filters: Filters) -> Section:
    head = caseload.headline(scope, filters)
    active = caseload.active(scope, filters)
    endings = caseload.endings(scope, filters)
    keep = ("On the caseload on", "Median time on the caseload")
    blocks: list[Block] = [
        _metric(m, count=m.label.startswith("On the caseload"), caption=m.help or "")
        for m in head
        if m.label.startswith(keep)
    ]
    blocks.append(Chart(active.figure))
    if _has_figure(endings.figure):
        blocks.append(Chart(endings.figure))
    stays = endings.long_stays.frame
    count_cols = tuple(c for c in stays.columns if c not in ("Practice", "Share"))
    blocks.append(
        Table(
            stays,
            "Long stays (more than 18 months) by practice",
            counts=count_cols,
            note="Long stays are expected in a long-term conditions service (Ways to Wellness "
            "clients stayed 18-21 months on average).",
        )
    )
    summary = (
        f"{_value(head, 'On the caseload on')} people were on the caseload on "
        f"{formats.uk_date(filters.report_date)}. Half of all caseloads last "
        f"{_value(head, 'Median time on the caseload')} or more."
    )
    return Section("caseload", "Caseload", summary, tuple(blocks))


OUTCOME_COLUMNS = (
    "Questionnaire",
    "People paired",
    "Mean at start",
    "Mean at follow-up",
    "Mean change (points)",
    "95% CI of change",
    "Reached it",
    "Reliable improvement",
    "Reliable deterioration",
)


def _outcomes(scope: Scope, filters: Filters) -> Section:
    paired = outcome_views.paired_change(scope, filters)
    if not paired.present:
        return Section(
            "outcomes",
            "Outcomes: change for the same people",
            "No one has a questionnaire at the start and a later one dated in this period.",
        )
    bands = outcome_views.pseq_bands(scope, filters)
    table = paired.table[[c for c in OUTCOME_COLUMNS if c in paired.table.columns]].rename(
        columns={"Reached it": "Reached meaningful change"}
    )
    blocks: list[Block] = [Text(t) for t in paired.reading]
    blocks.append(
        Table(
            table,
            "Change in each questionnaire (start against latest follow-up)",
            counts=("People paired",),
            note=paired.caption + " Reliable change: a change larger than the questionnaire's "
            "measurement error (Jacobson & Truax); 'not available' where no published "
            "test-retest reliability exists.",
        )
    )
    if bands.movement:
        blocks.append(Text(bands.movement))
    if _has_figure(bands.share_chart):
        blocks.append(Chart(bands.share_chart))
    summary = paired.reading[0]
    if paired.pseq is not None:
        p = paired.pseq
        summary = (
            f"For {p.pairs} people, pain self-efficacy (PSEQ) went from {p.start_to_latest} "
            f"points, a mean change of {p.mean_change} (95% CI {p.ci}); {p.mcid_share} improved "
            f"by {p.mcid_label.removeprefix('Improved by ')}, a change people notice."
        )
    return Section("outcomes", "Outcomes: change for the same people", summary, tuple(blocks))


# --- healthcare use (no view module yet: the page's own costs functions, protected) ---------
HEALTHCARE_WINDOW = 1  # months 1-12 after referral, against the 12 months before


def _interval(low: object, high: object, digits: int) -> str:
    if formats.is_missing(low) or formats.is_missing(high):
        return formats.SUPPRESSED
    return f"{formats.fmt_signed(low, digits)} to {formats.fmt_signed(high, digits)}"


def _healthcare(scope: Scope, filters: Filters) -> Section:
    """The Healthcare use page's own figures (wellpath.views.healthcare) for the report's
    scope: its before/after table and chart, its comparison with the comparison group per
    measure, and its cost lines at the published unit costs."""
    title = "Healthcare use and cost"
    use = healthcare.use_before_after(scope, filters, window=HEALTHCARE_WINDOW)
    window = costs.AFTER_WINDOWS[HEALTHCARE_WINDOW]
    if use.empty:
        return Section(
            "healthcare",
            title,
            f"No one taken on by the service has 12 months before and {window} after "
            "referral ending in this period, within the months the healthcare data cover.",
        )
    table_rows = []
    compared_any = False
    for (key, label, _unit), row in zip(
        costs.USE_MEASURES, use.table.to_dict("records"), strict=True
    ):
        comparison = healthcare.comparison(
            scope, filters, window=HEALTHCARE_WINDOW, measure=key
        ).figures
        compared_any = compared_any or comparison is not None
        change = row["Change per person"]
        table_rows.append(
            {
                "Measure (per person, 12 months)": label,
                "People": row["People"],
                "Before": row["Before (mean per person)"],
                "After": row["After (mean per person)"],
                "Change (95% CI)": change
                if change == formats.SUPPRESSED
                else f"{change} ({row['95% CI of change']})",
                "Comparison group change": formats.NO_DATA
                if comparison is None
                else _change_text(comparison.comparison_change, *comparison.comparison_ci),
                "Difference (95% CI)": formats.NO_DATA
                if comparison is None
                else _change_text(comparison.difference, *comparison.difference_ci),
            }
        )
    table = pd.DataFrame(table_rows)
    blocks: list[Block] = [
        Chart(use.figure),
        Table(
            table,
            f"Use of the NHS: 12 months before against {window} after referral",
            counts=("People",),
            note="Means per person to 1 decimal with 95% intervals; change = after minus "
            "before. Difference = change of referred people minus change of the comparison "
            "group (people at comparison practices, not referred, over the same calendar "
            "months; Welch 95% interval). * = about 7 or fewer people.",
        ),
    ]
    cost = healthcare.cost(scope, filters, window=HEALTHCARE_WINDOW)
    # the page's lines at the published unit costs, without its prompt for a service cost
    lines = [cost.against_comparison] if cost.against_comparison else []
    lines += [line for line in cost.lines if not line.startswith("Set the annual cost")]
    lines += [cost.uncosted] if cost.uncosted else []
    blocks.extend(Text(line) for line in lines)
    blocks.append(
        Text(
            "The groups were not randomised and may differ in ways that matter. A fall after "
            "referral is not on its own evidence that the service caused it: use tends to fall "
            "anyway after a peak (regression to the mean).",
            "caveat",
        )
    )
    gp = table.iloc[0]
    if not compared_any:
        lead = (
            f"No comparison group is loaded, so only the before/after change of the "
            f"{use.people} people referred can be shown."
        )
    else:
        lead = (
            f"For {use.people} people, GP appointments went from {gp['Before']} to "
            f"{gp['After']} a year each (change {gp['Change (95% CI)']}); the comparison group "
            f"changed by {gp['Comparison group change']}, a difference of "
            f"{gp['Difference (95% CI)']}. Figures in brackets are 95% intervals."
        )
    return Section("healthcare", title, lead, tuple(blocks))


def _change_text(mean: object, low: object, high: object) -> str:
    if formats.is_missing(mean):
        return formats.SUPPRESSED
    return f"{formats.fmt_signed(mean, 1)} ({_interval(low, high, 1)})"


# --- SPC trends ---------------------------------------------------------------------------
_SPC_READING = (
    "How to read it: the middle line is the average; the dashed lines are the limits a stable "
    "process stays within. Coloured points mark a real change (special cause), not noise."
)


def _trends(scope: Scope, filters: Filters) -> Section:
    monthly = referrals.monthly(scope, filters)
    trends = outcome_views.trends(scope, filters, measure="PSEQ")
    blocks: list[Block] = [Text(_SPC_READING)]
    if monthly.spc is not None:
        blocks.append(Chart(monthly.spc))
    else:
        blocks.append(Text(monthly.spc_message or "", "note"))
    for fig, note in trends.panels:
        if fig is not None:
            blocks.append(Chart(fig, note))
        elif note:
            blocks.append(Text(note, "note"))
    summary = (
        "Statistical process control (SPC) charts of referrals each month and of pain "
        "self-efficacy, to tell a real change from month-to-month noise. The wait chart is "
        "under Waits."
    )
    return Section("trends", "Trends over time (SPC charts)", summary, tuple(blocks))


def _data_quality(scope: Scope, filters: Filters) -> Section:
    head = data_quality.headline(scope, filters)
    followup = data_quality.followup(scope, filters)
    coverage = outcome_views.coverage(scope, filters, measure="PSEQ")
    captions = {
        data_quality.PSEQ_COVERAGE_NAME: "of PSEQ baselines in the period have a follow-up",
        "Records to check": "flagged by the consistency checks",
        "Last import": "when the data were last loaded",
    }
    blocks: list[Block] = [
        _metric(m, count=m.label == "Records to check", caption=captions[m.label])
        for m in head.metrics
        if m.label in captions
    ]
    if coverage.sentence:
        blocks.append(Text(coverage.sentence))
    if not followup.table.empty:
        frame = followup.table
        blocks.append(
            Table(
                frame,
                "Questionnaires at the start and at follow-up, for engaged referrals",
                counts=tuple(c for c in frame.columns if c != "Questionnaire" and "%" not in c),
                note="Engaged referrals: made in the period, accepted, with at least one "
                "attended contact. Outcome figures rest only on people with both forms, so "
                "low follow-up makes them less certain.",
            )
        )
    summary = (
        f"{_value(head.metrics, data_quality.PSEQ_COVERAGE_NAME)} of the PSEQ questionnaires "
        "started in the period have a follow-up so far; "
        f"{_value(head.metrics, 'Records to check')} records are flagged for checking."
    )
    return Section("data_quality", "Data quality and follow-up", summary, tuple(blocks))


STORIES_SUMMARY = (
    "Stories told by people the service supported, in their own words, each with their "
    "consent to publish it. They sit beside the figures: what the numbers cannot say."
)


def _stories(scope: Scope, filters: Filters) -> Section:
    """The publishable stories dated in the period (never a practice-only one: the view is
    asked for the report's purpose, which returns publishable stories only)."""
    from wellpath.views import integration

    found = integration.stories_for(scope, filters, purpose="report")
    blocks: list[Block] = [
        Story(
            pack.unescape_markdown(s.title),
            pack.unescape_markdown(f"{s.date} · {s.practice}"),
            pack.unescape_markdown(s.text),
        )
        for s in found.stories
        if s.consent == "Publishable"  # the view's rule, checked again where it is published
    ]
    if not blocks:
        blocks.append(Text("No publishable stories are dated in this period.", "note"))
    return Section("stories", "In their own words", STORIES_SUMMARY, tuple(blocks))


METHODS = (
    "**Where the figures come from.** Every figure is the same as on the matching Wellpath "
    "page for the same period, with 'Publishable figures' on: referrals, caseload and waits "
    "from the service's own records; questionnaires as completed by the people supported; "
    "healthcare use from the practices' monthly extracts.",
    "**Small numbers.** To protect the people in the data, counts of 1 to 7 are shown as *, "
    "other counts are rounded to the nearest 5, and percentages are worked out from the "
    "rounded counts and not shown where fewer than 20 people are behind them. Averages about "
    "7 or fewer people are not shown; averages are given to one decimal. A dash (–) means "
    "there is nothing to count. Totals may not add up exactly because of rounding.",
    "**Change for the same people.** Each person's first questionnaire is compared with their "
    "latest later one, with a 95% confidence interval: the range within which the true "
    "average change probably lies. 'Meaningful change' is the smallest change people notice "
    "(PSEQ: 5.5 points); 'reliable change' is a change larger than the questionnaire's own "
    "measurement error.",
    "**What this cannot show.** There is no randomised comparison. People are often referred "
    "when they are at their worst and many improve anyway (regression to the mean), so a "
    "before/after change is not all the effect of the service. Only people with a follow-up "
    "questionnaire are in the outcome figures; the follow-up section shows how many that is.",
    "**Funnel and SPC charts.** Practices are compared on a funnel plot, not ranked: small "
    "practices vary more by chance, so their limits are wider. SPC charts (NHS England's "
    "Making Data Count) separate a real change from ordinary month-to-month variation.",
    "Full definitions are on Wellpath's Methods and sources page and in docs/methods.md.",
)


def _methods() -> Section:
    return Section(
        "methods",
        "Methods and caveats",
        "How the figures are made, how small numbers are protected, and what they cannot show.",
        tuple(Text(t) for t in METHODS),
    )


SECTIONS = (
    _headline,
    _referrals,
    _equity,
    _waits,
    _caseload,
    _outcomes,
    _healthcare,
    _trends,
    _data_quality,
    _stories,
)


def _is_demo() -> bool:
    provenance = data.service_query("data_provenance")
    return bool(len(provenance)) and bool(provenance["is_demo"].iloc[0])


def build(
    filters: Filters,
    *,
    viewer: Scope | None = None,
    made_by: str,
    made_at: dt.datetime | None = None,
) -> Report:
    """The report for the period of `filters`, for the publishable scope of `viewer`."""
    scope = report_scope(viewer)
    period = report_filters(filters)
    sections = [make(scope, period) for make in SECTIONS]
    sections.append(_methods())
    return Report(
        title=TITLE,
        period_label=period.period_label,
        scope_label=scope.label,
        made_by=made_by,
        made_at=made_at or dt.datetime.now(),
        is_demo=_is_demo(),
        sections=tuple(sections),
    )


def filename(start: dt.date, end: dt.date, suffix: str) -> str:
    return f"wellpath-report-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}.{suffix}"


def to_html(report: Report) -> str:
    from wellpath import report_html

    return report_html.render(report)


def to_pdf(report: Report, document: str | None = None) -> bytes:
    """The report as PDF (A4 portrait), printed by Debian's Chromium as the MDT pack is."""
    document = document if document is not None else to_html(report)
    try:
        return pack.html_to_pdf(document, figure_count=len(report.charts))
    except pack.PackUnavailable as exc:
        raise ReportUnavailable(
            str(exc).replace("the pack", "the report").replace("HTML pack", "HTML report")
        ) from exc


def write(report: Report, path: Path) -> Path:
    """Write the report as .html or .pdf (by the file's suffix)."""
    suffix = path.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise ValueError(f"{path}: the report is written as .html or .pdf")
    document = to_html(report)
    if suffix == ".pdf":
        path.write_bytes(to_pdf(report, document))
    else:
        path.write_text(document, encoding="utf-8")
    return path


def record_made(filename_: str, period_label: str, *, username: str = CLI_MADE_BY) -> None:
    """Put "made a report" in the audit trail, for a report made from the command line (the
    page records its viewer's through ui.record_export)."""
    from wellpath import audit

    audit.record(
        "report",
        username,
        {"filename": filename_, "period": period_label, "page": "report"},
        db_path=data.db_path(),
    )


def viewer_name(scope: Scope) -> str:
    """Who is making the report, for its footer: the signed-in user, else the role."""
    from wellpath import auth

    viewer = auth.current_viewer()
    return viewer.username if viewer is not None else scope.role.replace("_", " ")
