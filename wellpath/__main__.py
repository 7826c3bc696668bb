"""Command line: `python -m wellpath import PATH --db FILE`, `python -m wellpath demo --db FILE`
and `python -m wellpath report --period 2025-04-01:2026-03-31 --out FILE.pdf|.html`.

Exit codes: 0 the batch loaded (with or without rejected rows); 1 a file-level rule refused
the whole batch (nothing changed); 2 a usage error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from pathlib import Path

from wellpath import db


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m wellpath", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    imp = sub.add_parser("import", help="load a batch (folder of CSVs, .zip or .xlsx)")
    imp.add_argument("path", type=Path, help="folder of CSV files, a .zip of them, or an .xlsx")
    imp.add_argument("--db", type=Path, default=None, help="DuckDB file (default: WELLPATH_DB)")
    imp.add_argument("--run-by", default=None, help="who ran the import (default: login name)")

    demo = sub.add_parser("demo", help="build the demo world into a DuckDB file")
    demo.add_argument("--db", type=Path, default=None, help="DuckDB file (default: WELLPATH_DB)")
    demo.add_argument("--scale", choices=["demo", "icb", "national"], default="demo")
    demo.add_argument("--seed", type=int, default=None, help="random seed (default: fixed)")
    demo.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        default=None,
        help="reference date YYYY-MM-DD (default: today)",
    )
    demo.add_argument("--out", type=Path, default=None, help="also keep the CSV batch here")

    report = sub.add_parser("report", help="write the commissioner's impact report (publishable)")
    report.add_argument(
        "--period", required=True, help="START:END as YYYY-MM-DD, e.g. 2025-04-01:2026-03-31"
    )
    report.add_argument("--out", type=Path, required=True, help="FILE.html or FILE.pdf")
    report.add_argument("--db", type=Path, default=None, help="DuckDB file (default: WELLPATH_DB)")
    return parser


def _print_result(result) -> None:
    tables = sorted(set(result.loaded) | set(result.rejected))
    print(f"Batch {result.batch_id}: {result.status}")
    print(f"{'table':<16}{'loaded':>10}{'rejected':>10}")
    for table in tables:
        print(f"{table:<16}{result.loaded.get(table, 0):>10,}{result.rejected.get(table, 0):>10,}")
    if any(result.rejected.values()):
        print("Rejected rows and their reasons are in the table rejected_rows (Data quality page).")


def _report(args: argparse.Namespace, db_path: Path) -> int:
    """Write the commissioner's report for --period to --out (.html or .pdf)."""
    import logging
    import os

    if args.out.suffix.lower() not in (".html", ".htm", ".pdf"):
        print(f"error: {args.out}: the report is written as .html or .pdf", file=sys.stderr)
        return 2
    if not db_path.exists():
        print(f"error: no Wellpath database at {db_path}", file=sys.stderr)
        return 2
    os.environ["WELLPATH_DB"] = str(db_path)  # wellpath.data reads the file named here
    # Streamlit's caches work outside a server ("bare mode") but say so for each one.
    logging.getLogger("streamlit.runtime.caching.cache_data_api").addFilter(
        lambda record: "No runtime found" not in record.getMessage()
    )
    from wellpath import report

    try:
        filters = report.parse_period(args.period)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    made = report.build(filters, made_by=report.CLI_MADE_BY)
    try:
        report.write(made, args.out)
    except report.ReportUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    report.record_made(args.out.name, made.period_label, username=report.CLI_MADE_BY)
    print(f"Wrote {args.out} ({made.period_label}, {made.scope_label})")
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    db_path = (args.db or db.default_db_path()).expanduser().resolve()

    if args.command == "import":
        from wellpath.importer import BatchRefused, import_batch

        if not args.path.exists():
            print(f"error: {args.path} does not exist", file=sys.stderr)
            return 2
        try:
            result = import_batch(args.path, db_path, run_by=args.run_by or getpass.getuser())
        except BatchRefused as refused:
            print(f"Refused, nothing was changed: {refused}", file=sys.stderr)
            return 1
        _print_result(result)
        for warning in result.warnings:
            print(f"Warning: {warning}", file=sys.stderr)
        return 0

    if args.command == "report":
        return _report(args, db_path)

    from wellpath import demo

    def progress(fraction: float, message: str) -> None:
        print(f"[{fraction:>4.0%}] {message}", file=sys.stderr)

    result = demo.build(
        db_path,
        scale=args.scale,
        seed=args.seed,
        today=args.today,
        keep_batch=args.out,
        progress=progress,
    )
    _print_result(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
