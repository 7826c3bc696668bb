"""Command line: `python -m wellpath init --db FILE` (an empty database for a service's own
data), `python -m wellpath import PATH --db FILE`, `python -m wellpath demo --db FILE`,
`python -m wellpath user add|disable|list` (accounts for the dashboard),
`python -m wellpath report --period 2025-04-01:2026-03-31 --out FILE.pdf|.html` and
`python -m wellpath upgrade --db FILE` (a database written by another version of Wellpath
brought up to this one, before the dashboards are restarted).

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

    report = sub.add_parser("report", help="write the commissioner's impact report (publishable)")
    report.add_argument(
        "--period", required=True, help="START:END as YYYY-MM-DD, e.g. 2025-04-01:2026-03-31"
    )
    report.add_argument("--out", type=Path, required=True, help="FILE.html or FILE.pdf")
    report.add_argument("--db", type=Path, default=None, help="DuckDB file (default: WELLPATH_DB)")

    user = sub.add_parser("user", help="dashboard accounts: add, disable, list")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="add a user, or change an existing one")
    add.add_argument("username")
    add.add_argument(
        "--role", required=True, choices=["programme_lead", "practice", "commissioner"]
    )
    add.add_argument("--practices", default="", help="practice codes, comma-separated")
    add.add_argument("--email", default=None, help="e-mail for single sign-on (NHSmail)")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (first line)",
    )
    disable = user_sub.add_parser("disable", help="stop a user signing in (kept in the trail)")
    disable.add_argument("username")
    user_sub.add_parser("list", help="list users, their roles and practices")
    for p in (add, disable, *user_sub.choices.values()):
        if not any(a.dest == "db" for a in p._actions):
            p.add_argument(
                "--db", type=Path, default=None, help="DuckDB file (default: WELLPATH_DB)"
            )
    demo.add_argument(
        "--batch-only",
        type=Path,
        default=None,
        metavar="DIR",
        help="write the scale's CSV batch into DIR without importing it (benchmarks, peers)",
    )

    upgrade = sub.add_parser(
        "upgrade",
        help="bring a database written by another version up to this one (schema, macros, "
        "derived tables; the data sent in is not touched): run it before restarting the "
        "dashboards, so that no one's first page waits for it",
    )
    upgrade.add_argument("--db", type=Path, default=None, help="DuckDB file (default: WELLPATH_DB)")
    upgrade.add_argument(
        "--wait",
        type=float,
        default=600.0,
        help="seconds to wait for an import to finish (default 600)",
    )

    bench = sub.add_parser("bench", help="time the import, every page and the pandas way")
    from wellpath.bench import add_arguments as _bench_arguments

    _bench_arguments(bench)
    return parser


def _user_command(args, db_path: Path) -> int:
    from wellpath import auth

    by = f"cli:{getpass.getuser()}"
    try:
        if args.user_command == "list":
            users = auth.list_users(db_path)
            print(f"{'username':<24}{'role':<16}{'practices':<24}{'e-mail':<32}status")
            for u in users:
                print(
                    f"{u.username:<24}{u.role:<16}{','.join(u.practice_codes) or '-':<24}"
                    f"{u.email or '-':<32}{'disabled' if u.disabled else 'active'}"
                )
            if not users:
                print("No users yet.")
            return 0
        if args.user_command == "disable":
            auth.disable_user(db_path, args.username, by=by)
            print(f"User {args.username} disabled.")
            return 0
        password = None
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        practices = tuple(p for p in args.practices.split(",") if p.strip())
        user = auth.add_user(
            db_path, args.username, args.role, practices, password, args.email, by=by
        )
    except auth.UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        f"User {user.username}: {user.role}"
        + (f" for {', '.join(user.practice_codes)}" if user.practice_codes else "")
        + (f", single sign-on as {user.email}" if user.email else "")
        + f". Accounts are kept in {auth.audit.store_path(db_path)}."
    )
    known = _known_practices(db_path)
    unknown = [c for c in user.practice_codes if known is not None and c not in known]
    if unknown:
        print(f"Warning: not in the database yet: {', '.join(unknown)}", file=sys.stderr)
    return 0


def _known_practices(db_path: Path) -> set[str] | None:
    if not db_path.exists():
        return None
    try:
        con = db.connect_read_only(db_path)
        try:
            return {r[0] for r in con.execute("select practice_code from practices").fetchall()}
        finally:
            con.close()
    except Exception:
        return None


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


def _say(text: str) -> None:
    from wellpath.importer.sources import escape_controls

    print(escape_controls(text), file=sys.stderr)


def _upgrade(args: argparse.Namespace, db_path: Path) -> int:
    import time

    if not db.exists(db_path):
        _say(f"error: there is no Wellpath database at {db_path}")
        return 2
    if db.is_current(db_path):
        print(f"Already up to date for this version of Wellpath: {db_path}")
        return 0
    started = time.monotonic()
    try:
        db.upgrade(db_path, wait=args.wait, on_wait=lambda message: _say(f"Note: {message}"))
    except db.ImportLocked as locked:
        _say(f"Not upgraded: {locked}")
        return 1
    print(
        f"Upgraded {db_path} for this version of Wellpath in {time.monotonic() - started:.0f} s "
        "(schema, macros and derived tables; the data sent in is unchanged)"
    )
    return 0


def _import(args: argparse.Namespace, db_path: Path) -> int:
    import duckdb

    from wellpath.importer import BatchRefused, import_batch, limits
    from wellpath.importer.load import is_memory_error

    if not args.path.exists() and not args.path.is_symlink():
        _say(f"error: {args.path} does not exist")
        return 2
    limits.lower_import_priority()
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
        _audit_import(db_path, args, status="refused")
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
    _audit_import(
        db_path,
        args,
        batch_id=result.batch_id,
        status=result.status,
        rows=sum(result.loaded.values()),
    )
    return 0


def _audit_import(db_path: Path, args: argparse.Namespace, **detail: object) -> None:
    from wellpath import audit

    audit.record_import(db_path, f"cli:{args.run_by or getpass.getuser()}", **detail)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    db_path = (args.db or db.default_db_path()).expanduser().resolve()

    if args.command == "user":
        return _user_command(args, db_path)

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

    if args.command == "report":
        return _report(args, db_path)

    if args.command == "upgrade":
        return _upgrade(args, db_path)

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
