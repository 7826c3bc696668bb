"""Data quality, for programme leads: questionnaire follow-up, records to check, how complete
each field is, how fresh the data is, and what the imports loaded and rejected."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from wellpath import data, disclosure, quality, ui
from wellpath.charts import quality as charts
from wellpath.scope import uk_date

scope, filters = ui.page_header(
    "Data quality",
    "records of the practices, conditions and link workers chosen in the sidebar",
)
today = dt.date.today()
period = filters.period_label
practices = data.service_query("practice_list")
practice_names = dict(zip(practices["practice_code"], practices["practice_name"], strict=True))
workers = data.service_query("worker_list")
worker_names = dict(zip(workers["worker_id"], workers["display_name"], strict=True))

coverage = data.query("dq_followup_coverage", scope, filters)
checks = data.query("dq_consistency_checks", scope, filters)
completeness = data.query("dq_field_completeness", scope, filters)
freshness = data.query("dq_data_freshness", scope, filters, today=today)
# the same import log as the Import data page shows
batches = data.service_query("import_history")


def pct(value: object) -> str:
    return ui.fmt_number(value, 0, "%")


def rows(value: object) -> str:
    """An import's row count: rows of patient data, so rounded like any count when the
    figures are publishable (docs/methods.md, Disclosure)."""
    return ui.fmt_count(disclosure.round_count(value) if scope.rounded else value)


# Headline: the four things a programme lead looks at first.
cols = st.columns(4)
pseq = coverage[coverage["instrument"] == "PSEQ"]
with cols[0]:
    st.metric(
        "PSEQ baselines followed up",
        pct(pseq["followup_pct"].iloc[0]) if len(pseq) else "none",
        help="Of engaged people referred in the period with a complete PSEQ baseline, the "
        "share with a later complete PSEQ. The Outcomes page counts baselines dated in the "
        "period instead (the pairs it reports on), so its share can differ by a few points.",
    )
with cols[1]:
    flagged = checks["flagged_count"]
    # Publishable: the total of the published cells, so no suppressed cell can be recovered.
    total = disclosure.published_total(flagged) if scope.rounded else int(flagged.sum())
    st.metric(
        "Records to check",
        ui.fmt_count(total),
        help="Flags raised by the consistency checks below (a referral may be flagged by more "
        "than one check)." + (" Total of the published counts." if scope.rounded else ""),
    )
with cols[2]:
    if len(batches):
        last = batches.iloc[0]
        st.metric(
            "Last import",
            ui.fmt_date(last["imported_at"]),
            help=f"{last['source_name']}, run by {last['run_by'] or 'unknown'}",
        )
    else:
        st.metric("Last import", "none")
with cols[3]:
    st.metric(
        "Rows rejected at the last import",
        rows(batches["rows_rejected"].iloc[0]) if len(batches) else "none",
        help="Rows the importer refused, kept with their reasons (see the end of this page).",
    )

# 1. Questionnaire follow-up: the figure outcome reports depend on.
st.header("Follow-up questionnaires")
if coverage.empty:
    ui.no_data("No engaged referrals with questionnaires for these filters and this period.")
else:
    st.plotly_chart(charts.followup_coverage(coverage, period), width="stretch")
    shown = pd.DataFrame(
        {
            "Questionnaire": [charts.INSTRUMENT_NAMES.get(i, i) for i in coverage["instrument"]],
            "Engaged referrals": coverage["engaged_count"].map(ui.fmt_count),
            "With a baseline": coverage["baseline_count"].map(ui.fmt_count),
            "Baseline (%)": coverage["baseline_pct"].map(pct),
            "With a follow-up": coverage["followup_count"].map(ui.fmt_count),
            "Followed up (%)": coverage["followup_pct"].map(pct),
            "Discharged without follow-up": coverage["discharged_without_followup_count"].map(
                ui.fmt_count
            ),
            "Incomplete forms": coverage["incomplete_form_count"].map(ui.fmt_count),
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch")
    ui.download(shown, "questionnaire_coverage.csv")
ui.definition(
    "**Engaged referrals**: referrals made in the period that were accepted and had at least "
    "one attended contact by the report date. **Baseline**: the first complete form of that "
    "questionnaire in the referral. **Follow-up**: a later complete form (on a later day), "
    "up to the report date. A form is **complete** when every item of the questionnaire is "
    "answered or a total is given; **incomplete forms** are not scored and count as neither "
    "a baseline nor a follow-up, which is why they are shown here. **Discharged without "
    "follow-up**: a baseline, no follow-up, and discharged by the report date, so the chance "
    "has passed. Outcome figures rest only on people with both forms, so low follow-up makes "
    "them less certain and possibly biased.",
    queries=["dq_followup_coverage"],
)

# 2. Consistency checks.
st.header("Records to check")
st.caption(f"As on the report date, {uk_date(filters.report_date)}, unless stated.")
if checks.empty:
    ui.no_data()
else:
    view = quality.checks_view(checks)
    view["Flagged"] = view["Flagged"].map(ui.fmt_count)
    view["Out of"] = view["Out of"].map(ui.fmt_count)
    view["Flagged (%)"] = view["Flagged (%)"].map(pct)
    st.dataframe(view, hide_index=True, width="stretch")
    ui.download(view, "consistency_checks.csv")
    if scope.rounded:
        st.caption(
            "The referrals behind these counts are listed only in unrounded views (turn off "
            "'Publishable figures')."
        )
    else:
        referrals = data.query("dq_consistency_referrals", scope, filters)
        with st.expander(f"Referrals to check ({len(referrals):,} rows, pseudonyms only)"):
            if referrals.empty:
                st.write("Nothing to check.")
            else:
                listed = pd.DataFrame(
                    {
                        "Check": referrals["check_id"].map(
                            lambda c: quality.CHECKS[c].title if c in quality.CHECKS else c
                        ),
                        "Referral": referrals["referral_id"],
                        "Patient (pseudonym)": referrals["patient_id"],
                        "Practice": referrals["practice_code"].map(
                            lambda c: practice_names.get(c, c)
                        ),
                        "Link worker": referrals["worker_id"].map(
                            lambda w: worker_names.get(w, w) if isinstance(w, str) else ""
                        ),
                        "Referred": referrals["referral_date"].map(ui.fmt_date),
                        "First contact": referrals["first_contact_date"].map(ui.fmt_date),
                        "Last contact": referrals["last_contact_date"].map(ui.fmt_date),
                        "Discharged": referrals["discharge_date"].map(ui.fmt_date),
                    }
                )
                st.dataframe(listed, hide_index=True, width="stretch")
                ui.download(listed, "referrals_to_check.csv")
ui.definition(
    "Each check looks at a group of referrals in scope (the **Out of** column, described "
    "under **Looks at**) and flags those that are probably recorded incompletely or wrongly. "
    "The report date is the end of the period. A contact means any contact recorded "
    "(attended, did not attend or cancelled), except in *Attended a contact but no first "
    "contact date*. Eligibility follows the pilot: adults (age from birth year) with 3 to 36 "
    "months of symptoms.",
    queries=["dq_consistency_checks", "dq_consistency_referrals"],
)

# 3. Completeness of each field.
st.header("How complete is each field")
if completeness.empty:
    ui.no_data()
else:
    tables = [t for t in quality.TABLES if t in set(completeness["table_name"])]
    chosen = st.selectbox(
        "Table",
        tables,
        index=tables.index("referrals") if "referrals" in tables else 0,
        format_func=lambda t: quality.TABLES[t],
        key="dq_table",
    )
    optional = quality.optional_fields(completeness, chosen)
    if optional.empty:
        ui.no_data(f"No {quality.TABLES[chosen].lower()} rows for these filters and period.")
    else:
        st.plotly_chart(
            charts.field_completeness(optional, quality.TABLES[chosen], period),
            width="stretch",
        )
    view = quality.completeness_view(completeness)
    st.dataframe(
        view.assign(
            Rows=view["Rows"].map(ui.fmt_count),
            **{"Filled in": view["Filled in"].map(ui.fmt_count)},
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "Filled in (%)": st.column_config.ProgressColumn(
                "Filled in (%)", min_value=0, max_value=100, format="%.0f%%"
            ),
            "Required": st.column_config.CheckboxColumn("Required"),
        },
    )
    ui.download(view, "field_completeness.csv")
ui.definition(
    "For each table the contract defines, the share of rows with each field filled in. "
    "Rows counted: referrals made in the period; the patients they belong to; contacts, goals "
    "and questionnaires dated in the period on referrals in scope; months of healthcare use "
    "and prescriptions in the period for patients of the practices in scope; the practices in "
    "scope; the link workers chosen. **Required** fields are always complete, because a row "
    "without them is rejected at import (see the end of this page). Some fields are empty for "
    "a good reason (see **Note**). For questionnaires, **Items** is the share of complete "
    "forms.",
    queries=["dq_field_completeness"],
)

# 4. Freshness.
st.header("How up to date the data is")
st.caption(
    f"The latest record of each kind on file, per practice, against today ({uk_date(today)})."
)
if freshness.empty:
    ui.no_data("No practices match these filters.")
else:
    stale = quality.stale_sources(freshness, older_than_days=30)
    if len(stale):
        st.warning(
            f"{len(stale)} practice and record type pair(s) have nothing recorded in the last "
            "30 days: check that the practice's exports are still arriving.",
            icon=":material/schedule:",
        )
    fresh_view = quality.freshness_view(freshness, practice_names, today)
    st.dataframe(fresh_view, hide_index=True, width="stretch")
    ui.download(fresh_view, "data_freshness.csv")
ui.definition(
    "For each practice in scope, the latest referral date, contact date and questionnaire "
    "date on file (up to today), and the latest month of healthcare-use and prescription "
    "data (shown as the first day of that month). Not limited to the period: this is about "
    "whether data is still arriving. The warning covers referrals, contacts and "
    "questionnaires only, because monthly GP and hospital extracts lag by design.",
    queries=["dq_data_freshness"],
)

# 5. Imports and rejected rows.
st.header("Imports and rejected rows")
if batches.empty:
    ui.no_data("Nothing has been imported yet.")
else:
    batch_ids = batches["batch_id"].tolist()
    labels = {
        row.batch_id: f"{ui.fmt_date(row.imported_at)} {pd.Timestamp(row.imported_at):%H:%M}: "
        f"{row.source_name}" + (" (demo)" if row.is_demo else "")
        for row in batches.itertuples()
    }
    chosen_batch = st.selectbox(
        "Import", batch_ids, format_func=lambda b: labels[b], key="dq_batch"
    )
    this = batches[batches["batch_id"] == chosen_batch].iloc[0]
    st.write(
        f"Imported on **{ui.fmt_date(this['imported_at'])}** at "
        f"{pd.Timestamp(this['imported_at']):%H:%M} from **{this['source_name']}** by "
        f"**{this['run_by'] or 'unknown'}**: {rows(this['rows_accepted'])} rows loaded, "
        f"{rows(this['rows_rejected'])} rejected."
    )
    per_table = data.query("dq_import_tables", scope, filters, batch_id=chosen_batch)
    per_table_view = pd.DataFrame(
        {
            "Table": per_table["table_name"].map(lambda t: quality.TABLES.get(t, t)),
            "Rows loaded": per_table["rows_loaded"].map(rows),
            "Rows rejected": per_table["rows_rejected"].map(rows),
        }
    )
    left, right = st.columns([2, 3])
    with left:
        st.subheader("Rows per table")
        st.dataframe(per_table_view, hide_index=True, width="stretch")
        ui.download(per_table_view, "import_rows_per_table.csv")
    by_rule = data.query("dq_rejections_by_rule", scope, filters, batch_id=chosen_batch)
    with right:
        st.subheader("Rejected rows by rule")
        if by_rule.empty:
            st.write("No rows were rejected in this import.")
        else:
            rule_view = pd.DataFrame(
                {
                    "Table": by_rule["table_name"].map(lambda t: quality.TABLES.get(t, t)),
                    "Column": by_rule["column_name"],
                    "Rule broken": by_rule["rule"],
                    "Rows": by_rule["rows_rejected"].map(rows),
                }
            )
            st.dataframe(rule_view, hide_index=True, width="stretch")
            ui.download(rule_view, "rejections_by_rule.csv")
    if not by_rule.empty:
        full_view = scope.practice_codes is None and not scope.rounded
        rows = (
            data.query("dq_rejected_rows", scope, filters, batch_id=chosen_batch)
            if full_view
            else pd.DataFrame()
        )
        if len(rows):
            st.download_button(
                "Download the rejected rows with their reasons (CSV)",
                rows.assign(imported_at=rows["imported_at"].astype(str))
                .to_csv(index=False)
                .encode("utf-8"),
                file_name="rejected_rows.csv",
                mime="text/csv",
                key="download-rejected-rows",
                icon=":material/download:",
            )
        else:
            st.caption(
                "The rejected rows themselves may hold patient data and cannot always be tied "
                "to a practice, so they can be downloaded only with full access, all "
                "practices and PCNs shown, and 'Publishable figures' off."
            )
ui.definition(
    "Each import is one batch of files. Rows that break a rule of the data contract are not "
    "loaded; they are kept with the rule they broke, so they can be fixed and sent again. A "
    "row that breaks several rules is counted once under each. A child row (for example a "
    "contact) whose parent row was rejected is rejected too. Counts here are of rows, not "
    "people. See docs/data-contract.md for the rules.",
    queries=["import_history", "dq_import_tables", "dq_rejections_by_rule", "dq_rejected_rows"],
)
