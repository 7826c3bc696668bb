"""Build a demo world at a scale into a temporary file and print how long everything takes.

    python scripts/benchmark_scale.py --scale icb
    nice -n 10 python scripts/benchmark_scale.py --scale national --keep /tmp/national

Prints: generation and CSV-writing time, rows per table, import time, the DuckDB file's size,
peak memory (resource.getrusage), and the time of every dashboard query in queries/ that
needs only the standard parameters (all practices, the last twelve months).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wellpath import access, db, demo  # noqa: E402
from wellpath.scope import Filters  # noqa: E402

print = functools.partial(print, flush=True)  # noqa: A001 (progress shows while it runs)


def _peak_mb() -> float:
    """Peak resident memory of this process and its children, in MB (ru_maxrss is in KB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def _folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.glob("*")) / 1e6


def _time_queries(db_path: Path, today: dt.date, repeat: int, limit: float) -> None:
    con = db.connect_read_only(db_path)
    try:
        codes = con.execute("select practice_code from practices").df()["practice_code"].tolist()
        filters = Filters(start_date=today - dt.timedelta(days=365), end_date=today)
        params = access.standard_params(codes, filters)
        print(f"\nqueries (all {len(codes):,} practices, 12 months; best of {repeat})")
        for path in sorted(db.QUERIES_DIR.glob("*.sql")):
            name = path.stem
            if name.startswith("derive_"):
                continue
            needs = db.query_parameters(name) - params.keys()
            if needs:
                print(f"  {name:<40} skipped (needs {', '.join(sorted(needs))})")
                continue
            best, rows = float("inf"), 0
            for _ in range(repeat):
                timer = threading.Timer(limit, con.interrupt)  # a runaway query is reported
                timer.start()
                t0 = time.perf_counter()
                try:
                    rows = len(con.execute(db.load_query(name), db.bind(name, params)).df())
                except duckdb.InterruptException:
                    best = None
                    break
                finally:
                    timer.cancel()
                best = min(best, time.perf_counter() - t0)
            if best is None:
                print(f"  {name:<40} over {limit:.0f} s: interrupted")
            else:
                print(f"  {name:<40} {best * 1000:9.0f} ms  {rows:>8,} rows")
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(demo.SCALES), default="icb")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 11, 1))
    parser.add_argument("--keep", type=Path, default=None, help="keep the batch and DB here")
    parser.add_argument("--repeat", type=int, default=1, help="runs per query (best is shown)")
    parser.add_argument("--limit", type=float, default=60, help="seconds before a query is cut off")
    parser.add_argument(
        "--queries-only", action="store_true", help="time the queries on the DB in --keep"
    )
    args = parser.parse_args(argv)
    if args.queries_only:
        if not args.keep:
            parser.error("--queries-only needs --keep")
        _time_queries(args.keep / "wellpath.duckdb", args.today, args.repeat, args.limit)
        return 0

    with tempfile.TemporaryDirectory(prefix="wellpath-bench-") as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        batch, db_path = root / "batch", root / "wellpath.duckdb"
        db_path.unlink(missing_ok=True)

        # Big scales generate and write a chunk at a time: the time from one progress message
        # to the next goes to writing when the message said so, else to generating.
        spent = {"generate": 0.0, "write": 0.0}
        last = [time.perf_counter(), "generate"]

        def progress(fraction: float, message: str) -> None:
            now = time.perf_counter()
            spent[last[1]] += now - last[0]
            writing = message.startswith("writing")
            last[:] = [now, "write" if writing else "generate"]

        demo.make_batch(
            batch, scale=args.scale, seed=args.seed, today=args.today, progress=progress
        )
        progress(1.0, "done")
        print(f"scale {args.scale}, seed {args.seed or demo.DEFAULT_SEED}, today {args.today}")
        print(f"generate      {spent['generate']:8.1f} s")
        print(f"write CSVs    {spent['write']:8.1f} s   ({_folder_mb(batch):,.0f} MB)")
        print(f"peak memory   {_peak_mb():8,.0f} MB (after writing)")

        from wellpath.importer import import_batch

        t0 = time.perf_counter()
        result = import_batch(batch, db_path, run_by="benchmark", is_demo=True)
        imported = time.perf_counter() - t0
        print(f"import        {imported:8.1f} s   status {result.status}")
        print(f"DuckDB file   {db_path.stat().st_size / 1e6:8,.0f} MB")
        print(f"peak memory   {_peak_mb():8,.0f} MB")
        print(f"{'table':<16}{'loaded':>14}{'rejected':>10}")
        for table, n in result.loaded.items():
            print(f"{table:<16}{n:>14,}{result.rejected.get(table, 0):>10,}")

        _time_queries(db_path, args.today, args.repeat, args.limit)
        print(f"\npeak memory   {_peak_mb():8,.0f} MB (after queries)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
