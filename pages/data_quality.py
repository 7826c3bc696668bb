"""Data quality, for programme leads: questionnaire follow-up, records to check, how complete
each field is, how fresh the data is, and what the imports loaded and rejected."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from wellpath import ui
from wellpath.views import data_quality as views

scope, filters = ui.page_header(
    "Data quality",
    "records of the practices, conditions and link workers chosen in the sidebar",
)


def widths(sizes: dict[str, str | int]) -> dict[str, object]:
    return {name: st.column_config.TextColumn(width=size) for name, size in sizes.items()}


for col, metric in zip(st.columns(4), views.headline(scope, filters).metrics, strict=True):
    col.metric(metric.label, metric.value, help=metric.help or None)

# 1. Questionnaire follow-up: the figure outcome reports depend on.
st.header("Follow-up questionnaires")
follow = views.followup(scope, filters)
if follow.figure is None:
    ui.no_data("No engaged referrals with questionnaires for these filters and this period.")
else:
    st.plotly_chart(follow.figure, width="stretch")
    st.dataframe(follow.table, hide_index=True, column_config=widths(views.FOLLOWUP_WIDTHS))
    ui.download(follow.table, "questionnaire_coverage.csv")
ui.definition(
    views.DEFINITIONS["followup"], queries=["dq_followup_coverage", "baseline_followup_coverage"]
)

# 2. Consistency checks.
st.header("Records to check")
found = views.checks(scope, filters)
st.caption(found.as_on)
if found.table.empty:
    ui.no_data()
else:
    # a static table: its explanations wrap instead of being cut at 1440 px
    st.table(found.table.set_index("Check"))
    ui.download(found.download, "consistency_checks.csv")
    if found.note:
        st.caption(found.note)
    if found.listed_count == 0:
        st.write("No referral to check.")
    elif found.listed_count is not None and st.toggle(
        f"List the referrals to check ({found.listed_count:,} rows, pseudonyms only)",
        key="dq_list_referrals",
    ):
        listed = views.referrals_to_check(scope, filters)
        if listed is not None:
            st.dataframe(
                listed.frame, hide_index=True, width="stretch", column_config=listed.column_config
            )
            ui.download(listed.download, listed.filename)
ui.definition(
    views.DEFINITIONS["checks"], queries=["dq_consistency_checks", "dq_consistency_referrals"]
)

# 3. Completeness of each field.
st.header("How complete is each field")
complete = views.completeness(scope, filters)
if not complete.tables:
    ui.no_data()
else:
    chosen = st.selectbox(
        "Table",
        complete.tables,
        index=complete.first,
        format_func=lambda t: complete.titles[t],
        key="dq_table",
    )
    if chosen in complete.figures:
        st.plotly_chart(complete.figures[chosen], width="stretch")
    else:
        ui.no_data(f"No {complete.titles[chosen].lower()} rows for these filters and period.")
    st.dataframe(
        complete.table,
        hide_index=True,
        width="stretch",
        column_config={
            "Filled in (%)": st.column_config.ProgressColumn(
                "Filled in (%)", min_value=0, max_value=100, format="%.0f%%"
            ),
            "Required": st.column_config.CheckboxColumn("Required"),
        },
    )
    ui.download(complete.table, "field_completeness.csv")
ui.definition(views.DEFINITIONS["completeness"], queries=["dq_field_completeness"])

# 4. Freshness.
st.header("How up to date the data is")
fresh = views.freshness(scope, filters, today=dt.date.today())
st.caption(fresh.caption)
if fresh.table.empty:
    ui.no_data("No practices match these filters.")
else:
    if fresh.warning:
        st.warning(fresh.warning, icon=":material/schedule:")
    st.dataframe(fresh.table, hide_index=True, column_config=widths(views.FRESHNESS_WIDTHS))
    ui.download(fresh.table, "data_freshness.csv")
ui.definition(views.DEFINITIONS["freshness"], queries=["dq_data_freshness"])

# 5. Imports and rejected rows.
st.header("Imports and rejected rows")
log = views.imports(scope, filters)
if not log.batch_ids:
    ui.no_data("Nothing has been imported yet.")
else:
    chosen_batch = st.selectbox(
        "Import", log.batch_ids, format_func=lambda b: log.labels[b], key="dq_batch"
    )
    batch = views.batch(scope, filters, batch_id=chosen_batch)
    st.markdown(batch.sentence)
    st.subheader("Rows per table")
    st.dataframe(
        batch.per_table,
        hide_index=True,
        column_config=widths(views.PER_TABLE_WIDTHS),
    )
    ui.download(batch.per_table, "import_rows_per_table.csv")
    st.subheader("Rejected rows by rule")
    if batch.by_rule.empty:
        st.write("No rows were rejected in this import.")
    else:
        st.dataframe(
            batch.by_rule,
            hide_index=True,
            width="stretch",
            column_config=widths(views.BY_RULE_WIDTHS),
        )
        ui.download(batch.by_rule, "rejections_by_rule.csv")
    if batch.rejected is not None:
        label = "Download the rejected rows with their reasons (CSV)"
        ui.download(batch.rejected, "rejected_rows.csv", label=label)
    elif batch.rejected_note:
        st.caption(batch.rejected_note)
ui.definition(
    views.DEFINITIONS["imports"],
    queries=["import_history", "dq_import_tables", "dq_rejections_by_rule", "dq_rejected_rows"],
)
