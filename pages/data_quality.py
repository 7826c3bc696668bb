"""Placeholder: this page is being built (see the open issues)."""

import streamlit as st

st.title("data_quality")
st.info("This page is being built.")
