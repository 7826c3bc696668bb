"""Command line: `python -m wellpath import PATH --db FILE` and `python -m wellpath demo --db FILE`.

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
    demo.add_argument(
        "--batch-only",
        type=Path,
        default=None,
        metavar="DIR",
        help="write the scale's CSV batch into DIR without importing it (benchmarks, peers)",
    )

    bench = sub.add_parser("bench", help="time the import, every page and the pandas way")
    from wellpath.bench import add_arguments as _bench_arguments

    _bench_arguments(bench)
    return parser


def _print_result(result) -> None:
    tables = sorted(set(result.loaded) | set(result.rejected))
    print(f"Batch {result.batch_id}: {result.status}")
    print(f"{'table':<16}{'loaded':>10}{'rejected':>10}")
    for table in tables:
        print(f"{table:<16}{result.loaded.get(table, 0):>10,}{result.rejected.get(table, 0):>10,}")
    if any(result.rejected.values()):
        print("Rejected rows and their reasons are in the table rejected_rows (Data quality page).")


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

    if args.command == "bench":
        from wellpath.bench import main as bench_main

        return bench_main(args)

    from wellpath import demo

    def progress(fraction: float, message: str) -> None:
        print(f"[{fraction:>4.0%}] {message}", file=sys.stderr)

    if args.batch_only is not None:
        folder, _ = demo.make_batch(
            args.batch_only, scale=args.scale, seed=args.seed, today=args.today, progress=progress
        )
        print(f"Batch written to {folder} (not imported)")
        return 0
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
