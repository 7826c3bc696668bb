"""Placeholder: this page is being built (see the open issues)."""

import streamlit as st

st.title("healthcare_use")
st.info("This page is being built.")
