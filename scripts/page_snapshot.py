"""Every page's figures as a viewer sees them: metrics and tables, as JSON.

Used to show that moving the pages onto the view layer changed no figure for the full-access
scope: run it on the demo world (seed 7, as on 1 Nov 2026) before and after a change and
compare (tests/app/test_page_snapshot.py compares against tests/fixtures/page_snapshot.json).

    python scripts/page_snapshot.py --db FILE --out FILE.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PERIOD = (dt.date(2025, 11, 1), dt.date(2026, 10, 31))


def snapshot(db_path: Path) -> dict[str, dict[str, object]]:
    os.environ["WELLPATH_DB"] = str(db_path)
    sys.path.insert(0, str(REPO))
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    dashboard = REPO / "dashboard.py"
    pages = re.findall(r'st\.Page\(\s*"([^"]+\.py)"', dashboard.read_text(encoding="utf-8"))
    out: dict[str, dict[str, object]] = {}
    for page in pages:
        if "import_data" in page or "audit" in page:
            continue
        st.cache_data.clear()
        at = AppTest.from_file(str(dashboard), default_timeout=300)
        at.session_state["filter_period"] = "Custom"
        at.session_state["filter_dates"] = PERIOD
        at.session_state["filter_publishable"] = False
        at.run()
        at.switch_page(page)
        at.run()
        metrics = {f"{m.label}": str(m.value) for m in at.metric}
        tables = {}
        for i, df in enumerate(at.dataframe):
            frame = df.value
            tables[f"table_{i}"] = {
                "columns": [str(c) for c in frame.columns],
                "rows": len(frame),
            }
        out[page] = {
            "metrics": metrics,
            "tables": tables,
            "exception": [str(e.message)[:200] for e in at.exception],
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    result = snapshot(args.db)
    args.out.write_text(json.dumps(result, indent=1, sort_keys=True), encoding="utf-8")
    print(f"{len(result)} pages written to {args.out}")


if __name__ == "__main__":
    main()
