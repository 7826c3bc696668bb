"""Wellpath's entry point and router: page config, then the shell (first-run build, who is
looking, the shared sidebar filters and the pages their role may open).

Run with `streamlit run dashboard.py`. On first start, when the DuckDB file (WELLPATH_DB,
default data/wellpath.duckdb) does not exist, the demo world is built into it. The pages,
and which role may open each, are listed in wellpath/shell.py and wellpath/access.py.
"""

from __future__ import annotations

from wellpath import shell

shell.page_config()

shell.run()
