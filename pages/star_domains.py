"""Well-being Star and PSFS: paired change area by area, and the Star chart.

The pairs, statistics and disclosure control are in wellpath/views/star.py.
"""

from __future__ import annotations

import streamlit as st

from wellpath import ui
from wellpath.views import star as view

scope, filters = ui.page_header(
    "Well-being Star and PSFS",
    "people whose latest form is dated in the period, against their first form",
)

instrument = st.radio(
    "Instrument",
    list(view.INSTRUMENTS),
    format_func=lambda code: view.INSTRUMENTS[code],
    horizontal=True,
    key="star_instrument",
)
result = view.area_change(scope, filters, instrument=instrument)
st.markdown(result.sentence)
if result.figure is not None:
    left, right = st.columns([1, 1])
    with left:
        st.plotly_chart(result.figure, width="stretch")
    right.dataframe(
        result.table,
        hide_index=True,
        width="stretch",
        column_config={
            "Area": st.column_config.TextColumn("Area", width=70),
            "People paired": st.column_config.TextColumn("Paired", width=60),
            "Mean at start": st.column_config.TextColumn("Start", width=55),
            "Mean latest": st.column_config.TextColumn("Latest", width=55),
            "Mean change (points)": st.column_config.TextColumn("Change", width=65),
            "95% CI": st.column_config.TextColumn("95% CI", width=100),
            "Improved": st.column_config.TextColumn("Improved", width=70),
        },
    )
    with right:
        ui.download(result.download, f"{instrument.lower()}-change-by-area.csv")
else:
    ui.no_data()
for note in result.notes:
    st.caption(note)

ui.definition(
    "Each person's first form (their start) is set against their latest later complete form "
    "on or before the report date; a pair is in the period when that latest form is dated "
    "in it. For each area (Well-being Star) or activity (PSFS), the mean change is the mean "
    "of each person's latest minus start, with a t 95% interval (mean \u00b1 t \u00d7 SD / "
    "\u221an). *Improved* counts people whose score in that area went up. The chart shows "
    "the mean at the start and the latest mean, on the Star's 1-10 scale with its Journey "
    "of Change stages (1-2 not thinking about it, 3-4 finding out, 5-6 making changes, 7-8 "
    "getting there, 9-10 as good as it can be). With publishable figures, counts are "
    "rounded, and means and intervals about 7 or fewer people are suppressed (*), others "
    "shown to one decimal.",
    queries=["instrument_item_score_pairs"],
)
