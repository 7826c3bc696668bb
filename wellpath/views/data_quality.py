"""The Data quality page's sections: follow-up coverage, records to check, field
completeness, freshness and the import log, computed and protected for the viewer's scope.

Every value from the data reaches the page as text (`formats.plain_text` for markdown);
counts are rounded and suppressed in a rounded scope; a total of suppressed parts is never
shown as 0; shares under a small rounded denominator are suppressed with the reason."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from wellpath import contract, data, disclosure, formats, quality
from wellpath.charts import quality as charts
from wellpath.scope import Filters, Scope
from wellpath.views._service import Table, fit_columns

#: The name of the Outcomes page's figure (baseline_followup_coverage), used here verbatim.
PSEQ_COVERAGE_NAME = "PSEQ follow-up coverage"


#: The page's 'How is this worked out?' notes, one per section.
#: Column widths of the tables on screen (most important columns first in each table).
#: The follow-up table's widths: about 980 px of page at 1440 px with the sidebar open, and
#: each header's text (Source Sans 14 px) plus the grid's 16 px of padding, so none is cut.
FOLLOWUP_WIDTHS = {
    "Questionnaire": 115,
    "Engaged referrals": 125,
    "Baselines": 90,
    "Baseline (%)": 100,
    "Followed up": 100,
    "Followed up (%)": 125,
    "Discharged, no follow-up": 170,
    "Incomplete forms": 125,
}
PER_TABLE_WIDTHS = {"Table": "medium", "Rows loaded": "medium", "Rows rejected": "medium"}
#: Freshness: the practice, then one column per table (latest date and days since), 980 px.
FRESHNESS_WIDTHS = {"Practice": 305} | {
    name: 135
    for name in ("Referrals", "Contacts", "Questionnaires", "Healthcare use", "Prescriptions")
}
BY_RULE_WIDTHS = {"Rule broken": "large", "Rows": "small"}

DEFINITIONS: dict[str, str] = {
    "followup": (
        "**Engaged referrals**: referrals made in the period that were accepted and had at least "
        "one attended contact by the report date. **Baseline**: the first complete form of that "
        "questionnaire in the referral. **Follow-up**: a later complete form (on a later day), "
        "up to the report date. **Baselines**: engaged referrals with a baseline. **Followed up "
        "(%)**: of those, the share with a follow-up; a different figure from "
        "the headline's **PSEQ follow-up coverage** (the Outcomes page's: baselines dated in the "
        "period), so it has a different name. A form is **complete** when every item is answered "
        "or a total is given; **incomplete forms** are not scored and count as neither a baseline "
        "nor a follow-up. **Discharged, no follow-up**: a baseline, no follow-up, and "
        "discharged by the report date. Outcome figures rest only on people with both forms, so "
        "low follow-up makes them less certain and possibly biased."
    ),
    "checks": (
        "Each check looks at a group of referrals in scope (the **Out of** column, described "
        "under **Looks at** in the download) and flags those that are probably recorded incompletely or wrongly, "
        "including records in two tables that contradict each other. The report date is the end "
        "of the period. A contact means any contact recorded (attended, did not attend or "
        "cancelled), except where a check says *attended*. Eligibility follows the pilot: adults "
        "(age from birth year) with 3 to 36 months of symptoms."
    ),
    "completeness": (
        "For each table the contract defines, the share of rows with each field filled in. "
        "Rows counted: referrals made in the period; the patients they belong to; contacts, goals "
        "and questionnaires dated in the period on referrals in scope; months of healthcare use "
        "and prescriptions in the period for patients of the practices in scope; the practices in "
        "scope; the link workers chosen. **Required** fields are always complete, because a row "
        "without them is rejected at import (see the end of this page). Some fields are empty for "
        "a good reason (see **Note**). For questionnaires, **Items** is the share of complete "
        "forms."
    ),
    "freshness": (
        "For each practice in scope, the latest referral date, contact date and questionnaire "
        "date on file (up to today), and the latest month of healthcare-use and prescription "
        "data. Not limited to the period: this is about whether data is still arriving. The "
        "warning covers referrals, contacts and questionnaires only, because monthly GP and "
        "hospital extracts lag by design."
    ),
    "imports": (
        "Each import is one batch of files. Rows that break a rule of the data contract are not "
        "loaded; they are kept with the rule they broke, so they can be fixed and sent again. A "
        "row that breaks several rules is counted once under each. A child row (for example a "
        "contact) whose parent row was rejected is rejected too. Counts here are of rows, not "
        "people. See docs/data-contract.md for the rules."
    ),
}


@dataclass(frozen=True)
class Metric:
    label: str
    value: str
    help: str


def _share(num: object, den: object, scope: Scope) -> object:
    """A percentage (0-100): exact for full access; from the rounded parts, and None under a
    small rounded denominator, when publishable."""
    if scope.rounded:
        return disclosure.published_share(num, den)
    if formats.is_missing(num) or formats.is_missing(den) or float(den) == 0:  # type: ignore[arg-type]
        return None
    return 100.0 * float(num) / float(den)  # type: ignore[arg-type]


def _pct_text(num: object, den: object, scope: Scope) -> str:
    """A share as shown: dash when there is nothing to take a share of, * when hidden."""
    if formats.is_missing(den) or den == 0:
        return formats.NO_DATA
    value = _share(num, den, scope)
    return formats.SUPPRESSED if value is None else formats.fmt_pct(value)


def pseq_followup_coverage(scope: Scope, filters: Filters) -> tuple[object, object]:
    """(followed up, baselines) for PSEQ from baseline_followup_coverage: the Outcomes
    page's figure (baselines dated in the period with a later follow-up by the report date),
    counts as the scope publishes them."""
    rows = data.query("baseline_followup_coverage", scope, filters)
    pseq = rows[rows["measure"] == "PSEQ"]
    if not len(pseq):
        return 0, 0
    # The measure's own totals, as Outcomes reads them (one definition: the rounded total,
    # not a sum of rounded status cells, which can differ by up to 5 per cell).
    first = pseq.iloc[0]
    return first["measure_followed_up_count"], first["measure_baseline_count"]


@dataclass(frozen=True)
class Headline:
    metrics: tuple[Metric, ...]


def _records_to_check(flagged: pd.Series, scope: Scope) -> Metric:
    base = (
        "Flags raised by the consistency checks below (a referral may be flagged by more than "
        "one check)."
    )
    if not scope.rounded:
        return Metric("Records to check", formats.fmt_count(int(flagged.sum())), base)
    hidden = int(flagged.isna().sum())
    total = disclosure.published_total(flagged)
    if hidden == 0:
        return Metric("Records to check", formats.fmt_count(total), base + " Rounded to 5.")
    why = (
        f" {formats.plural(hidden, 'check')} flag 1 to 7 records and are hidden (*), so no "
        "total that includes them can be shown."
    )
    if not total:
        return Metric("Records to check", formats.SUPPRESSED, base + why)
    return Metric(
        "Records to check",
        f"{formats.fmt_count(total)} or more",
        base + why + f" {formats.fmt_count(total)} is the total of the checks shown.",
    )


@data.cached_view
def headline(scope: Scope, filters: Filters) -> Headline:
    followed, baselines = pseq_followup_coverage(scope, filters)
    checks = data.query("dq_consistency_checks", scope, filters, **contract.eligibility_params())
    batches = data.service_query("import_history")
    if formats.is_missing(baselines) or baselines == 0:
        coverage = formats.SUPPRESSED if formats.is_missing(baselines) else formats.NO_DATA
    else:
        coverage = _pct_text(followed, baselines, scope)
    metrics = [
        Metric(
            PSEQ_COVERAGE_NAME,
            coverage,
            "Of the PSEQ baselines dated in the period, the share with a later PSEQ by the "
            "report date: the same figure as on the Outcomes page. The table below counts a "
            "different group (engaged referrals made in the period), so it is named "
            "differently.",
        ),
        _records_to_check(checks["flagged_count"], scope),
    ]
    if len(batches):
        last = batches.iloc[0]
        metrics.append(
            Metric(
                "Last import",
                formats.uk_date(last["imported_at"]),
                f"{formats.plain_text(last['source_name'])}, run by "
                f"{formats.plain_text(last['run_by']) or 'unknown'}",
            )
        )
        metrics.append(
            Metric(
                "Rows rejected at the last import",
                _rows(last["rows_rejected"], scope),
                "Rows the importer refused, kept with their reasons (see the end of this page).",
            )
        )
    else:
        metrics.append(Metric("Last import", "none", "Nothing has been imported yet."))
        metrics.append(Metric("Rows rejected at the last import", formats.NO_DATA, ""))
    return Headline(tuple(metrics))


def _rows(value: object, scope: Scope) -> str:
    """An import's row count: rows of patient data, rounded like any count when publishable."""
    return formats.fmt_count(disclosure.round_count(value) if scope.rounded else value)


@dataclass(frozen=True)
class FollowUp:
    table: pd.DataFrame
    figure: go.Figure | None


@data.cached_view
def followup(scope: Scope, filters: Filters) -> FollowUp:
    rows = data.query("dq_followup_coverage", scope, filters)
    if rows.empty:
        return FollowUp(pd.DataFrame(), None)
    baseline_pct = [
        _share(n, d, scope)
        for n, d in zip(rows["baseline_count"], rows["engaged_count"], strict=True)
    ]
    followup_pct = [
        _share(n, d, scope)
        for n, d in zip(rows["followup_count"], rows["baseline_count"], strict=True)
    ]
    chart_rows = rows.assign(baseline_pct=baseline_pct, followup_pct=followup_pct)
    table = pd.DataFrame(
        {
            "Questionnaire": [charts.INSTRUMENT_NAMES.get(i, i) for i in rows["instrument"]],
            "Engaged referrals": rows["engaged_count"].map(formats.fmt_count),
            "Baselines": rows["baseline_count"].map(formats.fmt_count),
            "Baseline (%)": [
                _pct_text(n, d, scope)
                for n, d in zip(rows["baseline_count"], rows["engaged_count"], strict=True)
            ],
            "Followed up": rows["followup_count"].map(formats.fmt_count),
            "Followed up (%)": [
                _pct_text(n, d, scope)
                for n, d in zip(rows["followup_count"], rows["baseline_count"], strict=True)
            ],
            "Discharged, no follow-up": rows["discharged_without_followup_count"].map(
                formats.fmt_count
            ),
            "Incomplete forms": rows["incomplete_form_count"].map(formats.fmt_count),
        }
    )
    return FollowUp(table, charts.followup_coverage(chart_rows, filters.period_label))


@dataclass(frozen=True)
class Checks:
    table: pd.DataFrame  # on screen: "Looks at" is in the download
    listed_count: int | None  # rows of referrals_to_check; None: not listed for this scope
    note: str = ""
    as_on: str = ""  # the date the checks are as on
    download: pd.DataFrame = field(default_factory=pd.DataFrame)  # every column


@data.cached_view
def checks(scope: Scope, filters: Filters) -> Checks:
    rows = data.query("dq_consistency_checks", scope, filters, **contract.eligibility_params())
    as_on = f"As on the report date, {formats.uk_date(filters.report_date)}, unless stated."
    if rows.empty:
        return Checks(pd.DataFrame(), None, as_on=as_on)
    view = quality.checks_view(rows)
    view["Flagged"] = rows["flagged_count"].map(formats.fmt_count).to_numpy()
    view["Out of"] = rows["population_count"].map(formats.fmt_count).to_numpy()
    view["Flagged (%)"] = [
        _pct_text(n, d, scope)
        for n, d in zip(rows["flagged_count"], rows["population_count"], strict=True)
    ]
    if scope.rounded:
        return Checks(
            view.drop(columns="Looks at"),
            None,
            "The referrals behind these counts are listed only in unrounded views (turn off "
            "'Publishable figures'). * : a count from 1 to 7, hidden.",
            as_on,
            view,
        )
    # one row per referral and check flagged, as referrals_to_check lists them (both from
    # referral_check_flags), so the list's size is known before it is asked for
    listed_count = int(rows["flagged_count"].sum())
    return Checks(view.drop(columns="Looks at"), listed_count, as_on=as_on, download=view)


@data.cached_view
def referrals_to_check(scope: Scope, filters: Filters) -> Table | None:
    """The referrals behind the checks' counts, one row per referral and check (pseudonyms
    only), for unrounded views; None in a rounded scope. Asked for on its own (the page lists
    them when the reader chooses to), since it evaluates every check a second time: 0.6 s
    and 41,306 rows for the whole service at national scale. Its columns are sized to fit the
    page at 1440 px."""
    if scope.rounded:
        return None
    practices = data.service_query("practice_list")
    names = dict(zip(practices["practice_code"], practices["practice_name"], strict=True))
    workers = data.service_query("worker_list")
    worker_names = dict(zip(workers["worker_id"], workers["display_name"], strict=True))
    found = data.query("dq_consistency_referrals", scope, filters, **contract.eligibility_params())
    listed = pd.DataFrame(
        {
            "Check": found["check_id"].map(
                lambda c: quality.CHECKS[c].title if c in quality.CHECKS else c
            ),
            "Patient (pseudonym)": found["patient_id"],
            "Referral": found["referral_id"],
            "Practice": found["practice_code"].map(lambda c: names.get(c, c)),
            "Link worker": found["worker_id"].map(
                lambda w: worker_names.get(w, w) if isinstance(w, str) else ""
            ),
            "Referred": formats.format_each(found["referral_date"], formats.uk_date),
            "First contact": formats.format_each(found["first_contact_date"], formats.uk_date),
            "Last contact": formats.format_each(found["last_contact_date"], formats.uk_date),
            "Discharged": formats.format_each(found["discharge_date"], formats.uk_date),
        }
    )
    return Table(listed, fit_columns(listed), listed, "referrals_to_check.csv")


@dataclass(frozen=True)
class Completeness:
    tables: tuple[str, ...]  # table codes present
    titles: dict[str, str] = field(default_factory=dict)
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    figures: dict[str, go.Figure] = field(default_factory=dict)

    @property
    def first(self) -> int:
        """The table chosen at first: referrals when present."""
        return self.tables.index("referrals") if "referrals" in self.tables else 0


@data.cached_view
def completeness(scope: Scope, filters: Filters) -> Completeness:
    rows = data.query("dq_field_completeness", scope, filters)
    if rows.empty:
        return Completeness(())
    present = tuple(t for t in quality.TABLES if t in set(rows["table_name"]))
    if scope.rounded:
        rows = rows.assign(
            filled_pct=[
                disclosure.published_share(n, d)
                for n, d in zip(rows["filled_count"], rows["row_count"], strict=True)
            ]
        )
    figures = {}
    for table in present:
        optional = quality.optional_fields(rows, table)
        if len(optional):
            figures[table] = charts.field_completeness(
                optional, quality.TABLES[table], filters.period_label
            )
    view = quality.completeness_view(rows)
    view["Rows"] = rows["row_count"].map(formats.fmt_count).to_numpy()
    view["Filled in"] = rows["filled_count"].map(formats.fmt_count).to_numpy()
    return Completeness(present, {t: quality.TABLES[t] for t in present}, view, figures)


@dataclass(frozen=True)
class Freshness:
    table: pd.DataFrame
    warning: str | None
    caption: str = ""


@data.cached_view
def freshness(scope: Scope, filters: Filters, today: dt.date) -> Freshness:
    rows = data.query("dq_data_freshness", scope, filters, today=today)
    caption = (
        "The latest record of each kind on file, per practice, and how many days before today "
        f"({formats.uk_date(today)}) it is dated."
    )
    if rows.empty:
        return Freshness(pd.DataFrame(), None, caption)
    practices = data.service_query("practice_list")
    names = dict(zip(practices["practice_code"], practices["practice_name"], strict=True))
    stale = quality.stale_sources(rows, older_than_days=30)
    warning = (
        f"{formats.plural(len(stale), 'practice and record type pair')} "
        f"{'has' if len(stale) == 1 else 'have'} nothing recorded in the last 30 days: check "
        "that the practice's exports are still arriving."
        if len(stale)
        else None
    )
    return Freshness(quality.freshness_view(rows, names, today), warning, caption)


@dataclass(frozen=True)
class Imports:
    batch_ids: tuple[str, ...]
    labels: dict[str, str]


@data.cached_view
def imports(scope: Scope, filters: Filters) -> Imports:
    batches = data.service_query("import_history")
    labels = {
        str(row.batch_id): f"{formats.uk_date(row.imported_at)} "
        f"{pd.Timestamp(row.imported_at):%H:%M}: {row.source_name}"
        + (" (demo)" if row.is_demo else "")
        for row in batches.itertuples()
    }
    return Imports(tuple(str(b) for b in batches["batch_id"]), labels)


@dataclass(frozen=True)
class Batch:
    sentence: str  # markdown, data values escaped
    per_table: pd.DataFrame
    by_rule: pd.DataFrame
    rejected: pd.DataFrame | None  # the rejected rows; None: not downloadable for this scope
    rejected_note: str


@data.cached_view
def batch(scope: Scope, filters: Filters, batch_id: str) -> Batch:
    batches = data.service_query("import_history")
    this = batches[batches["batch_id"].astype(str) == batch_id].iloc[0]
    sentence = (
        f"Imported on **{formats.uk_date(this['imported_at'])}** at "
        f"{pd.Timestamp(this['imported_at']):%H:%M} from "
        f"**{formats.plain_text(this['source_name'])}** by "
        f"**{formats.plain_text(this['run_by']) or 'unknown'}**: "
        f"{_rows(this['rows_accepted'], scope)} rows loaded, "
        f"{_rows(this['rows_rejected'], scope)} rejected."
    )
    per_table = data.query("dq_import_tables", scope, filters, batch_id=batch_id)
    per_table_view = pd.DataFrame(
        {
            "Table": per_table["table_name"].map(lambda t: quality.TABLES.get(t, t)),
            "Rows loaded": per_table["rows_loaded"].map(lambda v: _rows(v, scope)),
            "Rows rejected": per_table["rows_rejected"].map(lambda v: _rows(v, scope)),
        }
    )
    by_rule = data.query("dq_rejections_by_rule", scope, filters, batch_id=batch_id)
    rule_view = pd.DataFrame(
        {
            "Table": by_rule["table_name"].map(lambda t: quality.TABLES.get(t, t)),
            "Column": by_rule["column_name"].astype(str),
            "Rule broken": by_rule["rule"].astype(str),
            "Rows": by_rule["rows_rejected"].map(lambda v: _rows(v, scope)),
        }
    )
    rejected = None
    note = ""
    if len(by_rule):
        full_view = scope.practice_codes is None and not scope.rounded
        rows = (
            data.query("dq_rejected_rows", scope, filters, batch_id=batch_id)
            if full_view
            else pd.DataFrame()
        )
        if len(rows):
            rejected = rows.assign(imported_at=rows["imported_at"].astype(str))
        else:
            note = (
                "The rejected rows themselves may hold patient data and cannot always be tied "
                "to a practice, so they can be downloaded only with full access, all "
                "practices and PCNs shown, and 'Publishable figures' off."
            )
    return Batch(sentence, per_table_view, rule_view, rejected, note)
