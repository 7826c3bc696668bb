"""Placeholder: this page is being built (see the open issues)."""

import streamlit as st

st.title("caseload")
st.info("This page is being built.")
