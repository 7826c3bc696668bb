"""Every page's figures as a viewer sees them: metrics and tables, as JSON.

Used to show that moving the pages onto the view layer changed no figure for the full-access
scope: run it on the demo world (seed 7, as on 1 Nov 2026) before and after a change and
compare (tests/app/test_page_snapshot.py compares against
tests/fixtures/page_snapshot_before.json, made on the code before the view layer).

Each page is run through AppTest as the programme lead (full access), with the sidebar's
filters put on the server through the test hooks of wellpath.auth: the period 1 Nov 2025 to
31 Oct 2026, every practice, condition and worker.

    python scripts/page_snapshot.py --db FILE --out FILE.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PERIOD = (dt.date(2025, 11, 1), dt.date(2026, 10, 31))
SKIPPED = ("import_data", "audit_trail")  # no figures of the period


def page_figures(at) -> dict[str, object]:  # noqa: ANN001 (an AppTest)
    """Metrics (label -> value) and tables (columns and row count) of one run page."""
    metrics = {f"{m.label}": str(m.value) for m in at.metric}
    tables = {
        f"table_{i}": {"columns": [str(c) for c in df.value.columns], "rows": len(df.value)}
        for i, df in enumerate(at.dataframe)
    }
    # static tables (st.table), whose text wraps: the index (e.g. "Check") is the first column
    static_tables = {
        f"static_{i}": {
            "columns": [str(t.value.index.name)] + [str(c) for c in t.value.columns],
            "rows": len(t.value),
        }
        for i, t in enumerate(at.table)
    }
    return {
        "metrics": metrics,
        "tables": tables,
        "static_tables": static_tables,
        "exception": [str(e.message)[:200] for e in at.exception],
    }


def snapshot(db_path: Path) -> dict[str, dict[str, object]]:
    os.environ["WELLPATH_DB"] = str(db_path)
    sys.path.insert(0, str(REPO))
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from wellpath import auth, shell
    from wellpath.scope import FULL_ACCESS, Filters

    auth.enable_test_hooks()
    filters = Filters(start_date=PERIOD[0], end_date=PERIOD[1])
    dashboard = REPO / "dashboard.py"
    out: dict[str, dict[str, object]] = {}
    for page, *_ in shell.PAGES:
        if shell.page_stem(page) in SKIPPED or not (REPO / page).is_file():
            continue
        st.cache_data.clear()
        at = AppTest.from_file(str(dashboard), default_timeout=300)
        at.session_state[auth.TEST_SCOPE_KEY] = FULL_ACCESS
        at.session_state[auth.TEST_FILTERS_KEY] = filters
        at.session_state["filter_publishable"] = False
        # lists drawn when asked for are asked for, so that every table is in the snapshot
        for key in ("dq_list_referrals", "caseload_list_waiting", "caseload_list_long_stays"):
            at.session_state[key] = True
        # the comparison the snapshot was taken with (Caseload now compares by condition first)
        at.session_state["caseload_km_by"] = "Practice"
        at.run()
        at.switch_page(page)
        at.run()
        out[page] = page_figures(at)
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
