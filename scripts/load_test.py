"""Load test: N headless Chromium sessions against one Wellpath server while imports run.

    python -m wellpath bench --load --sessions 20 --seconds 60      # the issue's test
    python scripts/load_test.py --db data/bench/icb/wellpath.duckdb --sessions 3 --seconds 10

Starts its own server (`streamlit run dashboard.py` on 127.0.0.1 only), opens --sessions
browser sessions (one Chromium, one context each: separate Streamlit sessions) that load the
dashboard's chart pages in a loop, while `python -m wellpath import` of a small batch runs
into the same database file in a loop. A page load is timed from the navigation until its
first chart (a Plotly chart, or an exception box) appears. Errors: any Streamlit exception
element, any HTTP response >= 400 from the server; a load still unfinished after 300 s is
counted apart (and fails the run). Bounded: at most 50 sessions and 600 seconds of loading
(plus 300 s for the loads in flight); everything it started is stopped at the end (or at Ctrl-C).
Prints the number of loads, the median and 95th percentile load time, the first loads, the
errors and the server's peak resident memory; with --doc writes them into docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from wellpath import bench  # noqa: E402

MAX_SESSIONS = 50
MAX_SECONDS = 600
LOAD_TIMEOUT_S = 300  # a load still unfinished after this is recorded as unfinished
# The pages a practice manager opens before an MDT: the ones with charts (a page is loaded
# when its first chart is drawn).
DEFAULT_PAGES = [
    "pages/overview.py",
    "pages/referrals.py",
    "pages/caseload.py",
    "pages/activity.py",
    "pages/outcomes.py",
    "pages/healthcare_use.py",
]


def small_batch(source: Path, out: Path) -> Path:
    """A small batch for the import loop: the practices, workers and the last month's rows
    of the source batch (replacing rows already loaded, so the data do not change)."""
    today = bench._batch_today(source)
    month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    bench.write_monthly_batch(source, out, month)
    return out


class ImportLoop(threading.Thread):
    """`python -m wellpath import BATCH --db DB` again and again until stopped."""

    def __init__(self, batch: Path, db_path: Path):
        super().__init__(daemon=True)
        self.batch, self.db_path = batch, db_path
        self.stop = threading.Event()
        self.runs: list[tuple[float, int]] = []
        self.proc: subprocess.Popen | None = None

    def run(self) -> None:
        # The batch is the demo world's own last month, imported into a copy of the demo
        # database: it goes in as demo data (the CLI's import is for a service's own files,
        # which a demo database refuses).
        code = (
            "import sys; from wellpath.importer import import_batch; "
            "import_batch(sys.argv[1], sys.argv[2], run_by='load-test', is_demo=True)"
        )
        cmd = [sys.executable, "-c", code, str(self.batch), str(self.db_path)]
        while not self.stop.is_set():
            t0 = time.perf_counter()
            self.proc = subprocess.Popen(
                cmd, cwd=REPO, env=bench._env(), stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            code = self.proc.wait()
            self.runs.append((time.perf_counter() - t0, code))

    def finish(self) -> None:
        self.stop.set()
        if self.proc and self.proc.poll() is None:
            self.proc.wait(timeout=600)  # an import is never killed half-way by the test
        self.join(timeout=5)


async def session(browser, base: str, pages: list[str], deadline: float, n: int, out: dict):
    ctx = await browser.new_context(viewport={"width": 1440, "height": 900})
    page = await ctx.new_page()

    def on_response(resp) -> None:
        # Streamlit's client looks for its server under the page's path first
        # (/caseload/_stcore/health), gets a 404 and falls back to the root: not an error.
        path = resp.url[len(base) :]
        probe = path.endswith(("/_stcore/health", "/_stcore/host-config")) and not path.startswith(
            "/_stcore/"
        )
        if resp.url.startswith(base) and resp.status >= 400 and not probe:
            out["errors"].append(f"session {n}: HTTP {resp.status} {resp.url[len(base) :]}")

    page.on("response", on_response)
    i = n  # sessions start on different pages
    first = True
    try:
        while time.monotonic() < deadline:
            name = pages[i % len(pages)]
            i += 1
            t0 = time.perf_counter()
            try:
                await page.goto(f"{base}/{bench.url_path(name)}", timeout=LOAD_TIMEOUT_S * 1000)
                left = max(1.0, LOAD_TIMEOUT_S - (time.perf_counter() - t0))  # one bound per load
                await page.wait_for_selector(bench.CHART_SELECTOR, timeout=left * 1000)
            except Exception as exc:  # noqa: BLE001 (a timeout or a closed page)
                if type(exc).__name__ == "TimeoutError":
                    out["unfinished"].append(f"session {n}: {name}")
                else:
                    out["errors"].append(f"session {n}: {name}: {type(exc).__name__}: {exc}"[:200])
                continue
            took = time.perf_counter() - t0
            boxes = await page.locator('[data-testid="stException"]').count()
            if boxes:
                text = (await page.locator('[data-testid="stException"]').first.inner_text())[:200]
                out["errors"].append(f"session {n}: {name}: exception box: {text}")
                continue
            out["loads"].append((name, took, time.monotonic() < deadline))
            if first:
                out["first"].append(took)
                first = False
    finally:
        await ctx.close()


async def drive(base: str, sessions: int, seconds: float, pages: list[str], server) -> dict:
    from playwright.async_api import async_playwright

    out: dict = {"loads": [], "errors": [], "first": [], "unfinished": []}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=bench.CHROMIUM, args=bench.CHROMIUM_ARGS)
        deadline = time.monotonic() + seconds

        async def watch_memory() -> None:
            while time.monotonic() < deadline + LOAD_TIMEOUT_S:
                server.rss_mb()
                await asyncio.sleep(0.5)

        watcher = asyncio.create_task(watch_memory())
        try:
            # Hard bound: a load in flight at the deadline gets LOAD_TIMEOUT_S to finish.
            await asyncio.wait_for(
                asyncio.gather(
                    *(session(browser, base, pages, deadline, n, out) for n in range(sessions))
                ),
                timeout=seconds + LOAD_TIMEOUT_S + 30,
            )
        finally:
            watcher.cancel()
            await browser.close()
    return out


def summarise(out: dict, imports: list[tuple[float, int]], peak_mb: float, args) -> dict:
    times = [t for _, t, _ in out["loads"]]
    return {
        "date": dt.date.today().isoformat(),
        "scale": args.scale,
        "sessions": args.sessions,
        "seconds": args.seconds,
        "loads": len(times),
        "median_s": bench.median(times),
        "p95_s": bench.percentile(times, 0.95),
        "max_s": max(times, default=None),
        "first_median_s": bench.median(out["first"]),
        "first_max_s": max(out["first"], default=None),
        "errors": len(out["errors"]),
        "unfinished": len(out["unfinished"]),
        "error_examples": out["errors"][:5],
        "imports": len(imports),
        "imports_failed": sum(1 for _, c in imports if c != 0),
        "import_median_s": bench.median([s for s, _ in imports]),
        "server_peak_mb": peak_mb,
        "by_page": {
            p: bench.median([t for name, t, _ in out["loads"] if name == p])
            for p in sorted({name for name, _, _ in out["loads"]})
        },
    }


def render(s: dict) -> str:
    p95, errs = bench.TARGETS["load_p95"], bench.TARGETS["load_errors"]
    rows = [
        ["page loads", f"{s['loads']:,}", "", ""],
        ["median page load", bench.fmt_value(s["median_s"], "s"), "", ""],
        ["p95 page load", bench.fmt_value(s["p95_s"], "s"), *p95.judge(s["p95_s"])],
        ["slowest page load", bench.fmt_value(s["max_s"], "s"), "", ""],
        ["first load of a session, median / slowest",
         f"{bench.fmt_value(s['first_median_s'], 's')} / {bench.fmt_value(s['first_max_s'], 's')}",
         "", ""],
        ["errors (exception boxes, HTTP errors)", str(s["errors"]), *errs.judge(s["errors"])],
        [f"loads unfinished after {LOAD_TIMEOUT_S} s", str(s["unfinished"]), "", ""],
        ["imports run meanwhile (failed)", f"{s['imports']} ({s['imports_failed']})",
         f"median {bench.fmt_value(s['import_median_s'], 's')}", ""],
        ["server peak resident memory", bench.fmt_value(s["server_peak_mb"], "MB"), "", ""],
    ]  # fmt: skip
    lines = [
        f"### Load test of {s['date']}: {s['sessions']} sessions for {s['seconds']} s at "
        f"{s['scale']} scale, an import running in a loop",
        "",
        bench.markdown_table(["measure", "value", "verdict", "gap"], rows),
        "",
        "Median load by page: "
        + "; ".join(f"{Path(p).stem} {bench.fmt_value(t, 's')}" for p, t in s["by_page"].items()),
    ]
    if s["error_examples"]:
        lines += ["", "First errors:", *[f"- {e}" for e in s["error_examples"]]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="the database to serve")
    parser.add_argument("--batch", type=Path, default=None,
                        help="batch to import in a loop (default: last month of the bench batch)")  # fmt: skip
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--port", type=int, default=8631)
    parser.add_argument("--scale", default="icb", help="label for the report")
    parser.add_argument("--pages", default=",".join(DEFAULT_PAGES))
    parser.add_argument("--no-import", action="store_true", help="no import loop")
    parser.add_argument("--no-doc", action="store_true", help="do not write docs/performance.md")
    parser.add_argument("--json", type=Path, default=None, help="also write the summary here")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS or not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"sessions 1-{MAX_SESSIONS}, seconds 1-{MAX_SECONDS}")
    if not args.db.exists():
        parser.error(f"{args.db} does not exist (python -m wellpath bench builds it)")
    pages = [p for p in args.pages.split(",") if p]
    with tempfile.TemporaryDirectory(prefix="wellpath-load-") as tmp:
        work_db = Path(tmp) / "wellpath.duckdb"  # imports write here, never to the bench file
        bench.shutil.copy2(args.db, work_db)
        batch = args.batch
        if batch is None and not args.no_import:
            source = args.db.parent / "batch"
            if not (source / "referrals.csv").exists():
                parser.error("no --batch given and no batch beside the database")
            batch = small_batch(source, Path(tmp) / "small")
        loop = None if args.no_import else ImportLoop(batch, work_db)
        with bench.Server(work_db, args.port) as server:
            print(f"server up on {server.url}; {args.sessions} sessions for {args.seconds} s",
                  file=sys.stderr)  # fmt: skip
            if loop:
                loop.start()
            try:
                out = asyncio.run(drive(server.url, args.sessions, args.seconds, pages, server))
            finally:
                if loop:
                    loop.finish()
            peak = max(server.vm_hwm_mb(), server.peak_mb)
    summary = summarise(out, loop.runs if loop else [], peak, args)
    text = render(summary)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    if not args.no_doc:
        bench.write_doc("load", text)
    return 0 if summary["errors"] == 0 and summary["unfinished"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
