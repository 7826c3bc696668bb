"""The Methods and sources page: docs/methods.md cut into sections with a table of contents,
the data contract (docs/data-contract.md) and the licences.

No figures and no scope: the documents are the same for every viewer, and they are read on
each run (small files, and a test may point `docs.DOCS_DIR` elsewhere), so not cached."""

from __future__ import annotations

from dataclasses import dataclass

from wellpath import docs

LICENCES_ANCHOR = "licences-and-notices"
CONTRACT_ANCHOR = "the-data-contract"
CONTRACT_TITLE = "The data contract: what a service sends"
LICENCES_TITLE = "Licences and notices"

CAPTION = (
    "How Wellpath works out its figures, what data it expects, and where its reference data "
    "and questionnaires come from. Every figure on every page also has a *How is this worked "
    "out?* note naming the SQL file behind it (in the `queries` folder)."
)
NO_METHODS = (
    "The full methods document (docs/methods.md) has not been written yet. Each figure's "
    "definition is still on its page, under *How is this worked out?*"
)
NO_CONTRACT = "The full description of the format (docs/data-contract.md) has not been written yet."
CONTRACT_SUMMARY = (
    "A service exports nine tables (practices, link workers, patients, referrals, contacts, "
    "goals, questionnaires, healthcare use, prescriptions) as CSV files, a .zip of them, or "
    "one Excel workbook, and loads them on the **Import data** page or with "
    "`python -m wellpath import PATH --db FILE`. Rows that break a rule are kept with the "
    "reason, on the **Data quality** page. Patient identifiers must be pseudonyms: a value "
    "that is a valid NHS number is refused."
)
LICENCES = """
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


@dataclass(frozen=True)
class Methods:
    contents: str  # a numbered markdown list of links to the sections below
    intro: str | None  # None: docs/methods.md has not been written
    sections: tuple[docs.Section, ...]
    contract: str | None  # None: docs/data-contract.md has not been written

    @property
    def contract_bytes(self) -> bytes:
        return (self.contract or "").encode("utf-8")


def methods() -> Methods:
    """The documents as the page shows them: contents, sections and the contract."""
    text = docs.read_doc("methods.md")
    intro, sections = docs.split_sections(text or "")
    links = [(s.title, s.anchor) for s in sections]
    links += [(CONTRACT_TITLE, CONTRACT_ANCHOR), (LICENCES_TITLE, LICENCES_ANCHOR)]
    contents = "\n".join(f"1. [{title}](#{anchor})" for title, anchor in links)
    return Methods(
        contents=contents,
        intro=None if text is None else intro,
        sections=tuple(sections),
        contract=docs.read_doc("data-contract.md"),
    )
