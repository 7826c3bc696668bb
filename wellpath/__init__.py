"""Wellpath: outcomes dashboard for NHS social prescribing services for persistent physical symptoms.

The package holds the domain logic beside the Streamlit pages: the importer for the data
contract, the demo world, data access, scoring, statistics, SPC and disclosure control.
"""

__version__ = "0.1.0"
