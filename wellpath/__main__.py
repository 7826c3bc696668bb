"""Command line: `python -m wellpath init --db FILE` (an empty database for a service's own
data), `python -m wellpath import PATH --db FILE` and `python -m wellpath demo --db FILE`.

Exit codes: 0 the batch loaded (with or without rejected rows); 1 refused (a file-level rule
refused the whole batch, a demo database was sent real files, another import kept the lock,
the file for init exists already; nothing changed); 2 a usage error.
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

    imp.add_argument(
        "--wait",
        type=float,
        default=600.0,
        help="seconds to wait for another import to finish (default 600)",
    )

    init = sub.add_parser("init", help="create an empty database for the service's own data")
    init.add_argument("--db", type=Path, required=True, help="the new DuckDB file")

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
    return parser


def _print_result(result) -> None:
    tables = sorted(set(result.loaded) | set(result.rejected))
    print(f"Batch {result.batch_id}: {result.status}")
    print(f"{'table':<16}{'loaded':>10}{'rejected':>10}")
    for table in tables:
        print(f"{table:<16}{result.loaded.get(table, 0):>10,}{result.rejected.get(table, 0):>10,}")
    if any(result.rejected.values()):
        print("Rejected rows and their reasons are in the table rejected_rows (Data quality page).")


def _say(text: str) -> None:
    from wellpath.importer.sources import escape_controls

    print(escape_controls(text), file=sys.stderr)


def _import(args: argparse.Namespace, db_path: Path) -> int:
    import duckdb

    from wellpath.importer import BatchRefused, import_batch
    from wellpath.importer.load import is_memory_error

    if not args.path.exists() and not args.path.is_symlink():
        _say(f"error: {args.path} does not exist")
        return 2
    try:
        result = import_batch(
            args.path,
            db_path,
            run_by=args.run_by or getpass.getuser(),
            wait=args.wait,
            on_wait=lambda message: _say(f"Note: {message}"),
        )
    except BatchRefused as refused:
        _say(f"Refused, nothing was changed: {refused}")
        return 1
    except db.ImportLocked as locked:
        _say(f"Not imported: {locked}")
        return 1
    except (MemoryError, duckdb.Error) as exc:
        if not is_memory_error(exc):
            raise
        _say("Not imported: the import ran out of memory; nothing was changed")
        return 1
    _print_result(result)
    for warning in result.warnings:
        _say(f"Warning: {warning}")
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    db_path = (args.db or db.default_db_path()).expanduser().resolve()

    if args.command == "init":
        try:
            db.init_own(db_path)
        except FileExistsError:
            print(
                f"Refused: {db_path} exists already; init never overwrites a database. "
                "Choose a new file name.",
                file=sys.stderr,
            )
            return 1
        print(f"Created an empty database for your service's own data: {db_path}")
        print(f"Load your files:    python -m wellpath import FOLDER --db {db_path}")
        print(f"Run the dashboard:  WELLPATH_DB={db_path} streamlit run dashboard.py")
        return 0

    if args.command == "import":
        return _import(args, db_path)

    from wellpath import demo

    def progress(fraction: float, message: str) -> None:
        print(f"[{fraction:>4.0%}] {message}", file=sys.stderr)

    from wellpath.importer import BatchRefused

    try:
        result = demo.build(
            db_path,
            scale=args.scale,
            seed=args.seed,
            today=args.today,
            keep_batch=args.out,
            progress=progress,
        )
    except BatchRefused as refused:
        _say(f"Refused, nothing was changed: {refused}")
        return 1
    _print_result(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
