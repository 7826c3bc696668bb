"""Methods and sources: how every figure is worked out (docs/methods.md), the data format a
service sends (docs/data-contract.md), and the licences of the questionnaires and data used."""

from __future__ import annotations

import streamlit as st

from wellpath import docs, ui

st.title("Methods and sources")
ui.demo_banner()
st.caption(
    "How Wellpath works out its figures, what data it expects, and where its reference data "
    "and questionnaires come from. Every figure on every page also has a *How is this worked "
    "out?* note naming the SQL file behind it (in the `queries` folder)."
)

methods = docs.read_doc("methods.md")
contract = docs.read_doc("data-contract.md")
intro, sections = docs.split_sections(methods or "")

LICENCES = "licences-and-notices"
CONTRACT = "the-data-contract"
contents = [(s.title, s.anchor) for s in sections]
contents += [("The data contract: what a service sends", CONTRACT)]
contents += [("Licences and notices", LICENCES)]

st.subheader("Contents", anchor="contents")
st.markdown("\n".join(f"1. [{title}](#{anchor})" for title, anchor in contents))

if methods is None:
    st.info(
        "The full methods document (docs/methods.md) has not been written yet. Each figure's "
        "definition is still on its page, under *How is this worked out?*",
        icon=":material/info:",
    )
elif intro:
    st.markdown(intro)

for section in sections:
    st.header(section.title, anchor=section.anchor, divider="grey")
    st.markdown(section.body)

st.header("The data contract: what a service sends", anchor=CONTRACT, divider="grey")
st.markdown(
    "A service exports nine tables (practices, link workers, patients, referrals, contacts, "
    "goals, questionnaires, healthcare use, prescriptions) as CSV files, a .zip of them, or "
    "one Excel workbook, and loads them on the **Import data** page or with "
    "`python -m wellpath import PATH --db FILE`. Rows that break a rule are kept with the "
    "reason, on the **Data quality** page. Patient identifiers must be pseudonyms: a value "
    "that is a valid NHS number is refused."
)
if contract is None:
    st.info(
        "The full description of the format (docs/data-contract.md) has not been written yet.",
        icon=":material/info:",
    )
else:
    with st.expander("Read the full data contract"):
        st.markdown(contract)
    st.download_button(
        "Download the data contract (Markdown)",
        contract.encode("utf-8"),
        file_name="wellpath-data-contract.md",
        mime="text/markdown",
        icon=":material/download:",
    )

st.header("Licences and notices", anchor=LICENCES, divider="grey")
st.markdown(
    """
- **SWEMWBS and WEMWBS**: (S)WEMWBS © NHS Health Scotland, University of Warwick and
  University of Edinburgh, all rights reserved. Services need to register (free for
  non-commercial use) with the University of Warwick before using the scales.
- **Well-being Star**: © Triangle Consulting Social Enterprise Ltd. The Outcomes Star is used
  under licence from Triangle; services need their own licence to use it.
- **PSEQ** (Nicholas 2007), **PSFS** (Stratford et al. 1995) and **ONS4** (Office for National
  Statistics personal well-being questions) are scored as published; see the sections above.
- **GP practice list sizes, PCNs and deprivation** (Newcastle reference data used by the demo
  world): NHS England, NHS Digital, OHID (Fingertips) and MHCLG (English Indices of
  Deprivation 2019) statistics, published under the Open Government Licence v3.0.
- **Statistical process control** follows NHS England's *Making Data Count* as implemented in
  the NHSRplotthedots R package (MIT licence), whose published results Wellpath is tested
  against.
- Wellpath itself is open source (MIT licence).
"""
)
