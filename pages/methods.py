"""Methods and sources: how every figure is worked out (docs/methods.md), the data format a
service sends (docs/data-contract.md), and the licences of the questionnaires and data used."""

from __future__ import annotations

import streamlit as st

from wellpath import ui
from wellpath.views import methods as views

st.title("Methods and sources")
ui.demo_banner()
st.caption(views.CAPTION)

page = views.methods()
st.subheader("Contents", anchor="contents")
st.markdown(page.contents)
if page.intro is None:
    st.info(views.NO_METHODS, icon=":material/info:")
elif page.intro:
    st.markdown(page.intro)

for section in page.sections:
    st.header(section.title, anchor=section.anchor, divider="grey")
    st.markdown(section.body)

st.header(views.CONTRACT_TITLE, anchor=views.CONTRACT_ANCHOR, divider="grey")
st.markdown(views.CONTRACT_SUMMARY)
if page.contract is None:
    st.info(views.NO_CONTRACT, icon=":material/info:")
else:
    with st.expander("Read the full data contract"):
        st.markdown(page.contract)
    st.download_button(
        "Download the data contract (Markdown)",
        page.contract_bytes,
        file_name="wellpath-data-contract.md",
        mime="text/markdown",
        icon=":material/download:",
    )

st.header(views.LICENCES_TITLE, anchor=views.LICENCES_ANCHOR, divider="grey")
st.markdown(views.LICENCES)
