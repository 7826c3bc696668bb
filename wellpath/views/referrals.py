"""The Referrals page, section by section: display-ready and protected for the viewer."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from wellpath import data, disclosure, formats, funnel, labels, service, spc, theme
from wellpath.charts import service as charts
from wellpath.charts.funnel import funnel_chart
from wellpath.charts.spc import spc_chart
from wellpath.scope import Filters, Scope
from wellpath.views._service import SHARE_HELP, Metric, Table, fit_columns

#: Practices drawn on their own in the monthly chart; the rest are one "Other practices" bar.
TOP_PRACTICES = 10

PUBLISHABLE_NOTE = (
    "Publishable figures: counts of 1-7 are shown as *, other counts rounded to the nearest "
    "5; percentages are worked out from the rounded counts, and not shown (*) where fewer "
    "than 20 people (after rounding) are behind them."
)


def _colours() -> dict[str, str]:
    return theme.practice_colours(data.service_query("practice_list")["practice_code"])


@dataclass(frozen=True)
class Headline:
    metrics: tuple[Metric, ...]
    note: str | None
    has_referrals: bool


@data.cached_view
def headline(scope: Scope, filters: Filters) -> Headline:
    rounded = scope.rounded
    stages = data.query("triage_funnel", scope, filters).set_index("stage")
    mix = data.query("referrals_by_referrer_and_condition", scope, filters)
    by_practice = data.query("referrals_by_practice_month", scope, filters)
    total = stages["referral_count"].get("referred", 0) if len(stages) else 0
    accepted = stages["referral_count"].get("accepted") if len(stages) else None
    roles = mix[mix["dimension"] == "referrer_role"]
    self_count = roles.loc[roles["category"] == "self", "referral_count"]
    self_share = (
        service.share(self_count.iloc[0] if len(self_count) else 0, total, rounded)
        if len(mix)
        else None
    )
    awaiting = stages["referral_count"].get("awaiting_triage") if len(stages) else None
    metrics = (
        Metric(
            "Referrals received",
            formats.fmt_count(total),
            "Referrals with a referral date in the period.",
        ),
        Metric(
            "Accepted at triage",
            service.share_text(service.share(accepted, total, rounded)),
            "Accepted by the report date, as a share of the referrals received.",
        ),
        Metric(
            "Self-referrals",
            service.share_text(self_share),
            "People who referred themselves, as a share of all referrals.",
        ),
        Metric(
            "Still awaiting triage",
            formats.fmt_count(awaiting),
            "Referrals received in the period with no triage outcome by the report date.",
        ),
    )
    # A suppressed cell ("*", 1-7 referrals) is not an empty one.
    has = bool(by_practice["referral_count"].fillna(1).astype(float).any())
    return Headline(metrics, PUBLISHABLE_NOTE if rounded else None, has)


def protect_within(
    scope: Scope,
    filters: Filters,
    query: str,
    published: pd.DataFrame,
    key: str,
    parent: str | None = None,
) -> pd.DataFrame:
    """Secondary suppression (issue 14, differencing): in a rounded scope, each group's
    referral_count in `published` (rows of `query` as the scope publishes them) is also
    suppressed when the rest of its parent is 1-7 referrals, and with it the next smallest
    group, so that "parent minus the others" gives no group away. The parent of each row
    is all rows sharing its `parent` column (e.g. a month), or all rows when None; the exact
    counts are read unrounded here and never leave this function."""
    if not scope.rounded or published.empty:
        return published
    # The same practices, unrounded (a commissioner's role is always rounded, so the exact
    # read is made under the programme lead's role, narrowed to the same practices).
    exact_scope = dataclasses.replace(
        scope, role="programme_lead" if scope.role == "commissioner" else scope.role
    )
    raw = data.query(query, dataclasses.replace(exact_scope, rounded=False), filters)
    keys = [key] if parent is None else [parent, key]
    exact = raw.set_index(keys)["referral_count"]
    out = published.copy()
    groups = [(None, out)] if parent is None else out.groupby(parent, sort=False, dropna=False)
    for _, rows in groups:
        index = [tuple(r) if parent else r[0] for r in rows[keys].itertuples(index=False)]
        cells = {i: exact.get(k) for i, k in zip(rows.index, index, strict=True)}
        total = sum(int(v) for v in cells.values() if not formats.is_missing(v))
        kept = disclosure.secondary_suppress(cells, total)
        out.loc[rows.index, "referral_count"] = pd.array(
            [kept[i] for i in rows.index], dtype="Int64"
        )
    return out


def top_practices(
    months: pd.DataFrame, top: int = TOP_PRACTICES, rounded: bool = False
) -> pd.DataFrame:
    """The practices with the most referrals in the period, each on its own; the others added
    up month by month into one "Other practices" row (code "_other"). Totals of rounded cells
    are the sum of the published cells (None when all of a month's are suppressed)."""
    counts = pd.to_numeric(months["referral_count"], errors="coerce")
    ranking = counts.groupby(months["practice_code"]).sum().sort_values(ascending=False)
    if len(ranking) <= top + 1:
        return months
    keep = set(ranking.index[:top])
    shown = months[months["practice_code"].isin(keep)]
    rest = months[~months["practice_code"].isin(keep)]
    other = rest.groupby("month_start", sort=True).agg(
        referral_count=("referral_count", lambda v: service.column_total(v, rounded)),
        is_whole_month=("is_whole_month", "first"),
    )
    other = other.reset_index().assign(
        practice_code="_other", practice_name=f"Other practices ({len(ranking) - top})"
    )
    return pd.concat([shown, other[shown.columns]], ignore_index=True)


@dataclass(frozen=True)
class Monthly:
    by_practice: go.Figure
    spc: go.Figure | None
    spc_message: str | None
    download: pd.DataFrame


@data.cached_view
def monthly(scope: Scope, filters: Filters) -> Monthly:
    period = filters.period_label
    by_practice = protect_within(
        scope,
        filters,
        "referrals_by_practice_month",
        data.query("referrals_by_practice_month", scope, filters),
        "practice_code",
        parent="month_start",
    )
    by_month = data.query("referrals_by_month", scope, filters)
    colours = {**_colours(), "_other": theme.NHS_SECONDARY_TEXT}
    figure = charts.referrals_by_practice_month(
        top_practices(by_practice, rounded=scope.rounded), colours, period
    )
    whole = service.whole_months(by_month)
    spc_fig, message = None, None
    if whole["referral_count"].notna().sum() >= 2:
        result = spc.xmr(
            whole["referral_count"].astype("Float64").astype(float),
            improvement="neutral",
            periods=pd.to_datetime(whole["month_start"]),
        )
        spc_fig = spc_chart(
            result,
            title="Referrals to the service each month",
            period_label=period,
            y_title="Referrals per month (number)",
            improvement="neutral",
            value_format=",.0f",
        )
    else:
        message = "Too few whole months in this period for an SPC chart (at least two needed)."
    download = formats.readable_frame(
        by_practice,
        {
            "month_start": "Month",
            "practice_code": "Practice code",
            "practice_name": "Practice",
            "referral_count": "Referrals (number)",
            "is_whole_month": "Whole month in the period",
        },
        {
            "month_start": formats.uk_month,
            "referral_count": formats.fmt_count,
            "is_whole_month": lambda v: "yes" if v else "no (part month)",
        },
    )
    return Monthly(figure, spc_fig, message, download)


@dataclass(frozen=True)
class Rates:
    figure: go.Figure | None
    table: Table
    caption: str | None


@data.cached_view
def rates(scope: Scope, filters: Filters) -> Rates:
    published = data.query("referral_rates_by_practice", scope, filters)
    practice_rates = service.referral_rates(
        protect_within(scope, filters, "referral_rates_by_practice", published, "practice_code")
    )
    shown = practice_rates[practice_rates["rate_per_1000"].notna()]
    figure = None
    if len(shown):
        overall = float(practice_rates["overall_rate_per_1000"].iloc[0])
        limits = funnel.funnel_curve(
            overall,
            float(practice_rates["list_size"].max()) * 1.15,
            min_denominator=float(practice_rates["list_size"].min()) * 0.5,
        )
        figure = funnel_chart(
            practice_rates,
            limits,
            title="Referrals per 1,000 registered patients, by practice",
            period_label=filters.period_label,
            colours=_colours(),
            rate_col="rate_per_1000",
            value_format=",.2f",
        )
    band_text = [
        formats.SUPPRESSED if b is None else funnel.BAND_LABELS.get(b, b)
        for b in practice_rates["band"]
    ]
    frame = pd.DataFrame(
        {
            "Practice": practice_rates["practice_name"].astype(str),
            "Registered patients": practice_rates["list_size"].map(formats.fmt_count),
            "Referrals": practice_rates["referral_count"].map(formats.fmt_count),
            "Referrals per 1,000 patients": [
                formats.SUPPRESSED if formats.is_missing(n) else formats.fmt_number(r, 2)
                for n, r in zip(
                    practice_rates["referral_count"], practice_rates["rate_per_1000"], strict=True
                )
            ],
            "Against the overall rate": band_text,
        }
    )
    download = frame.assign(**{"Practice code": practice_rates["practice_code"]})
    caption = None
    if len(practice_rates):
        caption = (
            "Overall rate for the practices shown: "
            f"{formats.fmt_number(practice_rates['overall_rate_per_1000'].iloc[0], 2)} "
            "referrals per 1,000 registered patients in the period."
        )
    table = Table(frame, fit_columns(frame), download, "referral_rates_by_practice.csv")
    return Rates(figure, table, caption)


@dataclass(frozen=True)
class Mix:
    bars: tuple[go.Figure, go.Figure]
    quarterly: tuple[go.Figure, go.Figure]
    download: pd.DataFrame
    quarterly_downloads: tuple[pd.DataFrame, pd.DataFrame]


MIXES = (
    ("referrer_role", labels.REFERRER_ROLES, "referrer", "referrals_by_referrer_quarter"),
    ("condition", labels.CONDITIONS, "condition", "referrals_by_condition_quarter"),
)


@data.cached_view
def mix(scope: Scope, filters: Filters) -> Mix:
    """Whole-period counts of each referrer role and condition (counted directly, not added
    up from quarterly cells), each with its share of all referrals received."""
    rounded, period = scope.rounded, filters.period_label
    query = "referrals_by_referrer_and_condition"
    rows = protect_within(
        scope, filters, query, data.query(query, scope, filters), "category", parent="dimension"
    )
    bars, quarterly, q_downloads = [], [], []
    for code_col, names, what, query in MIXES:
        totals = rows[rows["dimension"] == code_col].rename(columns={"category": code_col})
        totals = service.label_codes(totals, code_col, names, "label")
        totals = totals.sort_values("referral_count", ascending=False, na_position="last")
        totals["share_pct"] = service.shares(
            totals["referral_count"], totals["total_referral_count"], rounded
        )
        totals["text"] = [
            service.count_with_share(n, p)
            for n, p in zip(totals["referral_count"], totals["share_pct"], strict=True)
        ]
        bars.append(
            charts.horizontal_bars(
                totals,
                "label",
                "referral_count",
                title=f"Referrals by {what}",
                period=period,
                x_title="Referrals (number)",
                text_col="text",
            )
        )
        frame = data.query(query, scope, filters)
        quarterly.append(
            charts.mix_over_time(
                frame,
                code_col,
                names,
                title=f"Referrals by {what}, quarter by quarter",
                period=period,
                legend_title=what.capitalize(),
                rounded=rounded,
            )
        )
        q_downloads.append(
            formats.readable_frame(
                service.label_codes(frame, code_col, names, "label"),
                {
                    "quarter_start": "Quarter",
                    "label": what.capitalize(),
                    "referral_count": "Referrals (number)",
                },
                {"quarter_start": service.quarter_label, "referral_count": formats.fmt_count},
            )
        )
    labelled = rows.assign(
        label=[
            labels.label(labels.REFERRER_ROLES if d == "referrer_role" else labels.CONDITIONS, c)
            for d, c in zip(rows["dimension"], rows["category"], strict=True)
        ],
        share=service.shares(rows["referral_count"], rows["total_referral_count"], rounded),
    )
    download = formats.readable_frame(
        labelled,
        {
            "dimension": "Grouped by",
            "label": "Group",
            "referral_count": "Referrals (number)",
            "share": "Share of all referrals (%)",
        },
        {
            "dimension": lambda d: "Referrer" if d == "referrer_role" else "Condition",
            "referral_count": formats.fmt_count,
            "share": service.share_text,
        },
    )
    return Mix(tuple(bars), tuple(quarterly), download, tuple(q_downloads))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Pathway:
    figure: go.Figure
    download: pd.DataFrame


@data.cached_view
def pathway(scope: Scope, filters: Filters) -> Pathway:
    rows = service.triage_table(data.query("triage_funnel", scope, filters))
    rows["conversion_pct"] = service.shares(
        rows["referral_count"], rows["base_count"], scope.rounded
    )
    figure = charts.triage_funnel(rows, filters.period_label)
    download = formats.readable_frame(
        rows,
        {
            "stage_label": "Stage",
            "referral_count": "Referrals (number)",
            "base_label": "Share of",
            "conversion_pct": "Share (%)",
        },
        {"referral_count": formats.fmt_count, "conversion_pct": service.share_text},
    )
    return Pathway(figure, download)


@dataclass(frozen=True)
class EquityTab:
    title: str
    figure: go.Figure
    table: Table


@data.cached_view
def equity(scope: Scope, filters: Filters) -> tuple[EquityTab, ...]:
    """Each equity dimension: every group (zero-filled), its share of the referrals, and the
    shares accepted and engaged, from rounded parts and withheld under a small rounded
    denominator in a publishable scope (80+ accepted read 100% from 10 of 10; true 82%)."""
    rounded = scope.rounded
    groups = data.query("referrals_by_equity_group", scope, filters)
    tabs = []
    for dimension, dimension_label in service.EQUITY_DIMENSIONS.items():
        rows = service.equity_rows(groups, dimension)
        total = service.column_total(rows["referral_count"], rounded)
        rows["share_pct"] = service.shares(rows["referral_count"], total, rounded)
        rows["accepted_pct"] = service.shares(
            rows["accepted_count"], rows["referral_count"], rounded
        )
        rows["engaged_pct"] = service.shares(rows["engaged_count"], rows["accepted_count"], rounded)
        figure = charts.equity_chart(rows, dimension_label, filters.period_label)
        frame = pd.DataFrame(
            {
                dimension_label: rows["group"].astype(str),
                "Referrals": rows["referral_count"].map(formats.fmt_count),
                "Share of referrals": rows["share_pct"].map(lambda v: service.share_text(v, 1)),
                "Accepted": rows["accepted_count"].map(formats.fmt_count),
                "Accepted (% of referred)": rows["accepted_pct"].map(service.share_text),
                "Engaged": rows["engaged_count"].map(formats.fmt_count),
                "Engaged (% of accepted)": rows["engaged_pct"].map(service.share_text),
            }
        )
        share_cols = ("Share of referrals", "Accepted (% of referred)", "Engaged (% of accepted)")
        table = Table(
            frame,
            fit_columns(frame, helps={c: SHARE_HELP for c in share_cols} if rounded else {}),
            frame,
            f"referrals_by_{dimension}.csv",
        )
        tabs.append(EquityTab(dimension_label, figure, table))
    return tuple(tabs)


#: How each section is worked out (the page's "How is this worked out?"), and its SQL.
DEFINITIONS = {
    "monthly": (
        "Referrals counted by the month of their referral date and the practice the person was registered with at referral. Each practice keeps the same colour on every page. The first and last months may be part months when the period does not start or end on a month boundary.",
        ("referrals_by_practice_month", "derive_referral_facts"),
    ),
    "spc": (
        "A Making Data Count XmR chart of the monthly referral total for the practices shown (whole calendar months only: a part month would look like a fall). The centre line is the mean; the process limits are the mean plus or minus 2.66 times the average moving range. Special causes (a point outside the limits, a run of 7 rising or falling, 7 on one side of the mean, two of three near a limit) are shown in purple because the improvement direction is **neutral**: more referrals are neither better nor worse in themselves; a change calls for a look at capacity and at the referral routes. With fewer than 12 months the limits are trial limits. Publishable view: the chart uses the rounded monthly totals.",
        ("referrals_by_month",),
    ),
    "rates": (
        "Each practice's referrals in the period divided by its registered patients (list size from the practices file), per 1,000. Practices are compared on a funnel plot rather than ranked: the limits around the overall rate (95% and 99.8%, exact Poisson with Spiegelhalter's interpolation; Spiegelhalter 2005, Stat Med 24:1185) are wider for smaller practices, because their rates vary more by chance. A practice outside the 99.8% limits differs from the others by more than chance would explain; inside the 95% limits, it does not, wherever it would rank. Comparison practices are left out.",
        ("referral_rates_by_practice",),
    ),
    "mix": (
        "Referrer roles and conditions as recorded on the referral. Self-referrals are people who referred themselves. The quarter-by-quarter charts show each group's share of the quarter's referrals, so a change in the mix shows even when volumes change; the first and last quarters may be part quarters. The bars above them count the whole period, with each group's share of all referrals received.",
        (
            "referrals_by_referrer_and_condition",
            "referrals_by_referrer_quarter",
            "referrals_by_condition_quarter",
        ),
    ),
    "pathway": (
        "Referrals received in the period, followed to the report date (the end of the period). Grey bars are triage outcomes, as a share of all referrals: they add up to the referrals received. Blue bars follow the accepted referrals: first contact (as a share of those accepted), an agreed action plan (as a share of those with a first contact) and discharge (as a share of those accepted; the rest are still on the caseload). An event dated after the report date has not happened yet in this view.",
        ("triage_funnel",),
    ),
    "equity": (
        "Age is worked out from the birth year at the referral date (whole years). Deprivation is the Index of Multiple Deprivation decile of the person's home area, grouped in fifths (quintile 1 = the most deprived fifth of areas in England). Engaged means accepted with at least one attended contact by the report date. Groups with no referrals are shown as 0 so that an absent group is visible.",
        ("referrals_by_equity_group", "derive_referral_facts"),
    ),
}
