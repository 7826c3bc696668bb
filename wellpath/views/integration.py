"""Integration with practices: what the page (and the MDT page) show of the link workers'
engagement with each practice and the practice's referrals.

Sections: `engagement_timeline` (per practice, a monthly timeline of engagement against
referrals per 1,000 registered patients), `engagement_association` (the service-wide rate
ratio, wellpath.integration), `lapsed_practices` (no engagement in N weeks), and
`practice_engagement_this_quarter` for the MDT page. Stories: `stories_for`.

Engagement occasions and minutes are staff time, not people: they are shown as they are in
every scope. Referrals are people: in a rounded scope their counts come rounded from
wellpath.data, rates per 1,000 are worked from the rounded counts, and the model, which
would need the unrounded monthly counts, is not shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from wellpath import data, disclosure, formats, integration
from wellpath.charts import integration as charts
from wellpath.scope import Filters, Scope
from wellpath.service import quarter_label

DEFAULT_LAPSE_WEEKS = 8
KIND_COLUMNS = {
    "mdt_meetings": "MDT meetings",
    "surgery_sessions": "Surgery sessions",
    "training_sessions": "Training sessions",
    "case_discussions": "Case discussions",
    "other_occasions": "Other",
}
#: The practice table on screen: short headers (the full name on hover and in the CSV) and
#: widths in pixels from each header's text, so that its ten columns fit at 1440 px.
SUMMARY_SCREEN: dict[str, tuple[str, int]] = {
    "Practice": ("Practice", 185),
    "Code": ("Code", 62),
    "MDT meetings": ("MDT meetings", 100),
    "Surgery sessions": ("Surgeries", 80),
    "Training sessions": ("Training", 75),
    "Case discussions": ("Case discussions", 115),
    "Other": ("Other", 55),
    "Hours of engagement": ("Hours", 65),
    "Referrals": ("Referrals", 78),
    "Referrals per 1,000 patients": ("Per 1,000 patients", 135),
}
#: Roles that may read `practice_only` stories (in an unrounded scope, at their practices).
PRACTICE_ONLY_ROLES = ("programme_lead", "practice")
STORY_PURPOSES = ("mdt", "report")


def _hours(minutes: object) -> str:
    return formats.fmt_number(None if formats.is_missing(minutes) else float(minutes) / 60, 1)


def _per_1000(count: object, list_size: object) -> float | None:
    if formats.is_missing(count) or formats.is_missing(list_size) or not list_size:
        return None
    return 1000.0 * float(count) / float(list_size)


@dataclass(frozen=True)
class Timeline:
    practices: tuple[tuple[str, str], ...]  # (code, name) of the practices shown
    practice_code: str | None  # the practice drawn, None when there is none
    table: pd.DataFrame  # display-ready, one row per month of that practice
    figure: go.Figure | None
    summary: pd.DataFrame  # display-ready, one row per practice: the period's totals


@dataclass(frozen=True)
class PracticeMonths:
    months: pd.DataFrame  # practice_engagement_by_month as wellpath.data serves this scope
    practices: tuple[tuple[str, str], ...]  # (code, name), in the query's order
    summary: pd.DataFrame  # display-ready, one row per practice: the period's totals


@data.cached_view
def practice_months(scope: Scope, filters: Filters):
    """What the timeline (whichever practice is chosen) and the model share, read and
    summed once per scope and filters: choosing another practice redoes none of it."""
    months = data.query("practice_engagement_by_month", scope, filters)
    pairs = months[["practice_code", "practice_name"]].drop_duplicates()
    practices = tuple(
        (str(c), str(n))
        for c, n in zip(pairs["practice_code"], pairs["practice_name"], strict=True)
    )  # plain tuples: the result is pickled into the view cache
    return PracticeMonths(months, practices, _practice_summary(months, scope.rounded))


@data.cached_view
def engagement_timeline(scope: Scope, filters: Filters, *, practice_code: str | None = None):
    base = practice_months(scope, filters)
    months, practices = base.months, base.practices
    codes = [p[0] for p in practices]
    chosen = practice_code if practice_code in codes else (codes[0] if codes else None)
    one = months[months["practice_code"] == chosen].copy()
    one["referrals_per_1000"] = [
        _per_1000(c, s) for c, s in zip(one["referral_count"], one["list_size"], strict=True)
    ]
    one["engagement_hours"] = one["engagement_minutes"].astype(float) / 60.0
    table = pd.DataFrame(
        {
            "Month": [formats.uk_month(m) for m in one["month_start"]],
            **{label: one[col].astype(int).tolist() for col, label in KIND_COLUMNS.items()},
            "Hours of engagement": [_hours(m) for m in one["engagement_minutes"]],
            "Referrals": [formats.fmt_count(c) for c in one["referral_count"]],
            "Referrals per 1,000 patients": [
                formats.fmt_number(r, 2, missing=formats.SUPPRESSED)
                for r in one["referrals_per_1000"]
            ],
        }
    )
    figure = None
    if chosen is not None and len(one):
        name = str(one["practice_name"].iloc[0])
        figure = charts.engagement_timeline(one, name, filters.period_label)
    return Timeline(practices, chosen, table, figure, base.summary)


def _practice_summary(months: pd.DataFrame, rounded: bool) -> pd.DataFrame:
    """One row per practice (sorted by code, then name): the period's totals. Sums by
    groupby, not a Python loop over practices (6,300 practices nationally)."""
    keys = ["practice_code", "practice_name"]
    if months[keys].dropna().empty:
        return pd.DataFrame()
    grouped = months.groupby(keys, sort=True)
    sums = grouped[[*KIND_COLUMNS, "engagement_minutes"]].sum()
    first = months.drop_duplicates(keys).set_index(keys)["list_size"].reindex(sums.index)
    if rounded:
        # Totals of the published monthly cells (never total - cells): the sum of the
        # rounded cells, "*" when every cell is suppressed or the visible ones add to 0
        # beside hidden ones (unmet_needs.published_total, cell by cell).
        cells = pd.Series(months["referral_count"], dtype="Float64")
        known = cells.notna()
        rounding = {v: disclosure.round_count(v) for v in pd.unique(cells[known])}
        published = pd.Series(pd.NA, index=cells.index, dtype="Float64")
        published[known] = cells[known].map(rounding).astype("Float64")
        by = [months[k] for k in keys]
        visible = published.notna().groupby(by, sort=True).sum().reindex(sums.index)
        total = published.groupby(by, sort=True).sum().reindex(sums.index)
        hidden = (~known).groupby(by, sort=True).any()
        hidden = hidden.reindex(sums.index)
        totals = [
            None if v == 0 or (t == 0 and h) else int(t)
            for v, t, h in zip(visible.tolist(), total.tolist(), hidden.tolist(), strict=True)
        ]
    else:
        totals = [int(t) for t in grouped["referral_count"].sum().tolist()]
    codes = sums.index.get_level_values(0)
    names = sums.index.get_level_values(1)
    return pd.DataFrame(
        {
            "Practice": [formats.plain_text(n) for n in names],
            "Code": list(codes),
            **{label: sums[col].astype(int).to_numpy() for col, label in KIND_COLUMNS.items()},
            # Python numbers (.tolist()): formats' missing-value test is fastest on them.
            "Hours of engagement": [_hours(m) for m in sums["engagement_minutes"].tolist()],
            "Referrals": [formats.fmt_count(t) for t in totals],
            "Referrals per 1,000 patients": [
                formats.fmt_number(_per_1000(t, s), 1, missing=formats.NO_DATA)
                for t, s in zip(totals, first.tolist(), strict=True)
            ],
        }
    )


@dataclass(frozen=True)
class Association:
    shown: bool
    headline: str  # "1.03 (95% CI 1.01 to 1.05)" or a dash
    sentence: str  # what it means, in words
    method: str  # the model, its family and what went in
    caveat: str


@data.cached_view
def engagement_association(scope: Scope, filters: Filters):
    caveat = integration.CAVEAT
    if scope.rounded:
        return Association(
            False,
            formats.NO_DATA,
            "The model is shown in unrounded views only: it is fitted to each practice's "
            "monthly referrals, which publishable figures round or suppress.",
            "",
            caveat,
        )
    months = practice_months(scope, filters).months
    rr = integration.fit_rate_ratio(integration.model_frame(months)) if len(months) else None
    if rr is None:
        return Association(
            False,
            formats.NO_DATA,
            "Not enough data for the model: it needs at least two practices and two months "
            "with referrals, and engagement that varies from month to month.",
            "",
            caveat,
        )
    pct = (rr.rate_ratio - 1) * 100
    direction = "more" if pct >= 0 else "fewer"
    sentence = (
        f"Across the service, each extra hour a link worker spent with a practice in a month "
        f"went with {formats.fmt_number(abs(pct), 1)}% {direction} referrals from that practice "
        "the next month, comparing each practice with itself and each month with the same "
        "month at the other practices."
    )
    if rr.ci_low <= 1 <= rr.ci_high:
        sentence += " The interval includes no association at all (a rate ratio of 1)."
    dispersion = (
        f"dispersion {formats.fmt_number(rr.dispersion, 2)}"
        if rr.dispersion is not None
        else "no residual degrees of freedom"
    )
    method = (
        f"{rr.family.capitalize()} regression of referrals in a month on engagement hours in "
        f"the month before, with practice and month effects ({dispersion}; a negative "
        f"binomial is used above {integration.OVERDISPERSION_THRESHOLD}); "
        f"{formats.fmt_count(rr.n_cells)} practice-months, "
        f"{formats.fmt_count(rr.n_practices)} practices, {formats.fmt_count(rr.n_events)} "
        "referrals."
    )
    headline = (
        f"{formats.fmt_number(rr.rate_ratio, 3)} per hour (95% CI "
        f"{formats.fmt_number(rr.ci_low, 3)} to {formats.fmt_number(rr.ci_high, 3)})"
    )
    return Association(True, headline, sentence, method, caveat)


@dataclass(frozen=True)
class Lapsed:
    weeks: int
    table: pd.DataFrame  # display-ready, one row per lapsed practice
    sentence: str


@data.cached_view
def lapsed_practices(scope: Scope, filters: Filters, *, weeks: int = DEFAULT_LAPSE_WEEKS):
    rows = data.query(
        "practice_engagement_summary",
        scope,
        filters,
        period_start=filters.start_date,
        period_end=filters.end_date,
        lapse_weeks=int(weeks),
    )
    lapsed = rows[rows["lapsed"].astype(bool)]
    table = pd.DataFrame(
        {
            "Practice": [formats.plain_text(n) for n in lapsed["practice_name"]],
            "PCN": [formats.plain_text(n) for n in lapsed["pcn_name"].fillna("")],
            "Last engagement": [
                formats.uk_date(d, missing="never") for d in lapsed["last_engagement_date"]
            ],
            "Weeks since": [
                formats.fmt_number(None if formats.is_missing(d) else d / 7, 0)
                for d in lapsed["days_since_engagement"]
            ],
            f"Referrals, last {weeks} weeks": [
                formats.fmt_count(c) for c in lapsed["referrals_recent_count"]
            ],
            f"Referrals, {weeks} weeks before": [
                formats.fmt_count(c) for c in lapsed["referrals_before_count"]
            ],
        }
    )
    n = len(table)
    sentence = (
        f"{formats.plural(n, 'practice')} with no engagement recorded in the {weeks} weeks to "
        f"{formats.uk_date(filters.report_date)}."
        if n
        else f"Every practice shown had engagement in the {weeks} weeks to "
        f"{formats.uk_date(filters.report_date)}."
    )
    return Lapsed(int(weeks), table, sentence)


@dataclass(frozen=True)
class QuarterEngagement:
    quarter: str  # "Oct-Dec 2026"
    start: dt.date
    end: dt.date
    table: pd.DataFrame  # display-ready, one row per practice


@data.cached_view
def practice_engagement_this_quarter(scope: Scope, filters: Filters):
    """For the MDT page: each practice's engagement in the calendar quarter of the report
    date, up to it, with the last engagement and whether it has lapsed."""
    end = filters.report_date
    start = dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    rows = data.query(
        "practice_engagement_summary",
        scope,
        filters,
        period_start=start,
        period_end=end,
        lapse_weeks=DEFAULT_LAPSE_WEEKS,
    )
    table = pd.DataFrame(
        {
            "Practice": [formats.plain_text(n) for n in rows["practice_name"]],
            **{label: rows[col].astype(int).tolist() for col, label in KIND_COLUMNS.items()},
            "Hours of engagement": [_hours(m) for m in rows["engagement_minutes"]],
            "Last engagement": [
                formats.uk_date(d, missing="never") for d in rows["last_engagement_date"]
            ],
            "Lapsed": [
                f"yes: none in {DEFAULT_LAPSE_WEEKS} weeks" if x else "no" for x in rows["lapsed"]
            ],
        }
    )
    return QuarterEngagement(quarter_label(start), start, end, table)


@dataclass(frozen=True)
class Story:
    date: str  # UK date
    practice: str  # plain text (escaped)
    consent: str  # "Practice only" or "Publishable"
    title: str  # plain text (escaped): safe inside Markdown
    text: str  # plain text (escaped): safe inside Markdown, never formatting or a link


@dataclass(frozen=True)
class Stories:
    stories: tuple[Story, ...]
    note: str


@data.cached_view
def stories_for(scope: Scope, filters: Filters, *, purpose: str = "mdt"):
    """Consented stories for the MDT page (purpose "mdt") or the commissioner report
    ("report"). `practice_only` stories only for an unrounded practice or programme-lead
    scope at the MDT; otherwise (a rounded scope, any report) `publishable` ones only."""
    if purpose not in STORY_PURPOSES:
        raise ValueError(f"purpose must be one of {STORY_PURPOSES}, not {purpose!r}")
    practice_only = purpose == "mdt" and not scope.rounded and scope.role in PRACTICE_ONLY_ROLES
    rows = data.query("stories_in_scope", scope, filters, publishable_only=not practice_only)
    stories = tuple(
        Story(
            formats.uk_date(r.story_date),
            formats.plain_text(r.practice_name or r.practice_code),
            "Publishable" if r.consent == "publishable" else "Practice only",
            formats.plain_text(r.title),
            formats.plain_text(r.text),
        )
        for r in rows.itertuples(index=False)
    )
    note = (
        "Stories the person agreed the practice's MDT may read, and those they agreed may be "
        "published."
        if practice_only
        else "Only stories the person agreed may be published."
    )
    return Stories(stories, note)
