"""Load test: N browser sessions against Wellpath's servers while imports run.

    python -m wellpath bench --load --sessions 20 --seconds 60      # the issue's test
    python scripts/load_test.py --db data/bench/icb/wellpath.duckdb --sessions 3 --seconds 10

Starts its own servers (`streamlit run dashboard.py` on 127.0.0.1 only, --servers of them,
default 2: one per core, as docs/deployment.md runs them, each with one DuckDB thread) on a
copy of --db, warms each up (one account draws every page once), then opens --sessions
sessions, each kept to one server as a proxy with sticky sessions would, while a small batch
is imported in a loop into the same copy (at a lower CPU priority, as a scheduled import).

A session speaks Streamlit's websocket protocol as a browser tab does (scripts/st_client.py:
the same messages, so the server does the same work: the runs, the elements, sending them),
without drawing the page: in use each browser draws on its user's own computer, not on the
server's cores. --browsers N of the sessions drive a real headless Chromium instead (one
context each), reported apart; on this 2-core machine one Chromium session drawing its
charts in software held the servers back (docs/performance.md), so by default there is none
and Chromium's time to the first chart is the benchmark's own measurement.

The model of use: each session is one practice manager before an MDT meeting. They arrive at
a random moment in the first --ramp seconds, then open the dashboard's chart pages one after
another (each session starts on a different page), and read each page for a think time drawn
uniformly from --think (default 5-15 s: a glance at the charts) before opening the next. Every
page is opened as a full navigation to its URL (a new Streamlit session each time, so more
work for the server than a click in the sidebar). `--think 0,0 --ramp 0` is the stress test:
every session reloading pages back to back from the same instant.

A page load is timed from the request until the server has sent the whole page (a websocket
session), or until its first chart, an exception box, or on a page with no chart the whole
page, is drawn (Chromium). Errors: any Streamlit exception element, any HTTP response >= 400
from the server; a load still unfinished after 300 s is counted apart (and fails the run).
Bounded: at most 50 sessions and 600 seconds of loading (plus 300 s for the loads in flight);
everything it started is stopped at the end (or at Ctrl-C). Prints the number of loads, the
median and 95th percentile load time, the first loads, the errors, the imports that landed,
the server's peak resident memory and the machine's load average (1-minute, at the start,
highest while loading, at the end); with --doc writes them into docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from wellpath import bench, shell  # noqa: E402

MAX_SESSIONS = 50
MAX_SECONDS = 600
LOAD_TIMEOUT_S = int(
    os.environ.get("WELLPATH_LOAD_TIMEOUT", "300")
)  # a load still unfinished after this is recorded as unfinished
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


# A scheduled import is batch work: run it as docs/deployment.md says to run one beside the
# dashboard, at a lower CPU priority than the server (`nice -n 10`) and with one DuckDB thread
# (WELLPATH_IMPORT_THREADS=1), so that on a busy machine the people reading pages are served
# first. (With DuckDB's two threads the same import took 6.9 s instead of 3.5 s under the
# load, and p95 was 3.4-3.8 s against 2.3 s.)
IMPORT_NICENESS = 10
CLIENT_NICENESS = 5  # the test's own sessions (see main); the imports add IMPORT_NICENESS


class ImportLoop(threading.Thread):
    """`python -m wellpath import BATCH --db DB` again and again until stopped."""

    def __init__(self, batch: Path, db_path: Path, is_demo: bool, threads: int = 1):
        super().__init__(daemon=True)
        self.threads = threads
        self.is_demo = is_demo
        self.batch, self.db_path = batch, db_path
        self.stop = threading.Event()
        self.runs: list[tuple[float, int]] = []
        self.proc: subprocess.Popen | None = None

    def run(self) -> None:
        # The batch goes in as the kind of data the file holds (a demo database refuses a
        # service's own files, and a service's database the demo world).
        code = (
            "import sys; from wellpath.importer import import_batch; "
            "import_batch(sys.argv[1], sys.argv[2], run_by='load-test', "
            "is_demo=sys.argv[3] == 'demo')"
        )
        kind = "demo" if self.is_demo else "own"
        cmd = [sys.executable, "-c", code, str(self.batch), str(self.db_path), kind]
        while not self.stop.is_set():
            t0 = time.perf_counter()
            self.proc = subprocess.Popen(
                cmd, cwd=REPO, env=bench._env(WELLPATH_IMPORT_THREADS=str(self.threads)),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, preexec_fn=lambda: os.nice(IMPORT_NICENESS),
            )  # fmt: skip
            code = self.proc.wait()
            self.runs.append((time.perf_counter() - t0, code))
            if code != 0:
                self.stop.wait(5)  # a refused import is reported, not retried in a tight loop

    def finish(self) -> None:
        self.stop.set()
        if self.proc and self.proc.poll() is None:
            self.proc.wait(timeout=600)  # an import is never killed half-way by the test
        self.join(timeout=5)


# A page is drawn when a chart (or an exception box) of the current run is on it: Streamlit
# marks what is left of the previous page stale until the new run replaces or removes it.
FRESH = '[data-testid="stElementContainer"][data-stale="false"]'
DRAWN = f'{FRESH} [data-testid="stPlotlyChart"] .main-svg, {FRESH} [data-testid="stException"]'
PASSWORD = "load-test-password-1"  # the load test's own users, in its own copy of the file


# True once the page titled `title` (its h1) has drawn a chart in the current run, or, on a
# page with no chart for this viewer (a practice with no outcomes yet), once the run has
# finished: nothing stale left and Streamlit's "running" status gone.
DRAWN_JS = """([title, fresh, drawn]) => {
    const heads = [...document.querySelectorAll(fresh + ' h1')];
    if (!heads.some(h => h.textContent.trim().startsWith(title))) return false;
    if (document.querySelector(drawn)) return true;
    const running = !!document.querySelector('[data-testid="stStatusWidget"]');
    const stale = !!document.querySelector('[data-stale="true"]');
    return !running && !stale;
}"""


async def session(
    browser, base: str, pages: list[str], deadline: float, n: int, out: dict, model: dict
):
    """One user: arrive, sign in when the file has accounts, then open pages from the sidebar
    menu, reading each for a think time, until the deadline."""
    rng = random.Random(model["seed"] * 1000 + n)
    await asyncio.sleep(rng.uniform(0, model["ramp"]))  # arrivals spread over the ramp
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
    user = model["users"][n] if model["users"] else None
    try:
        while time.monotonic() < deadline:
            name = pages[i % len(pages)]
            first = i == n
            i += 1
            t0 = time.perf_counter()
            try:
                if first:  # arrive: open the dashboard at this page's address
                    await page.goto(f"{base}/{page_address(name)}", timeout=LOAD_TIMEOUT_S * 1000)
                    if user:
                        await sign_in(page, user, LOAD_TIMEOUT_S - (time.perf_counter() - t0))
                else:  # a click on the page in the sidebar menu
                    link = page.locator(nav_link(name))
                    await link.first.click(timeout=LOAD_TIMEOUT_S * 1000)
                left = max(1.0, LOAD_TIMEOUT_S - (time.perf_counter() - t0))  # one bound per load
                await page.wait_for_function(
                    DRAWN_JS, arg=[model["titles"][name], FRESH, DRAWN], timeout=left * 1000,
                    polling=100,
                )  # fmt: skip
            except Exception as exc:  # noqa: BLE001 (a timeout or a closed page)
                if type(exc).__name__ == "TimeoutError":
                    out["unfinished"].append(f"session {n}: {name}: {exc}"[:300])
                    if model.get("shots"):
                        shot = Path(model["shots"]) / f"unfinished-{n}-{i}.png"
                        await page.screenshot(path=str(shot), full_page=True)
                else:
                    out["errors"].append(f"session {n}: {name}: {type(exc).__name__}: {exc}"[:200])
                continue
            took = time.perf_counter() - t0
            boxes = page.locator(f'{FRESH} [data-testid="stException"]')
            if await boxes.count():
                text = (await boxes.first.inner_text())[:200]
                out["errors"].append(f"session {n}: {name}: exception box: {text}")
                continue
            record_load(out, "browser_loads", n, name, took, first, deadline)
            await read_the_page(rng, model, deadline)
    finally:
        await ctx.close()


async def protocol_session(
    base: str, pages: list[str], deadline: float, n: int, out: dict, model: dict
):
    """The same user as `session`, speaking Streamlit's websocket protocol instead of driving
    a Chromium (scripts/st_client.py): the same arrivals, sign-in, pages and think times, and
    a load is timed until the server has sent the whole page."""
    from st_client import ProtocolSession

    rng = random.Random(model["seed"] * 1000 + n)
    await asyncio.sleep(rng.uniform(0, model["ramp"]))
    client = ProtocolSession(base)
    i = n
    user = model["users"][n] if model["users"] else None
    try:
        try:
            await client.connect()
        except Exception as exc:  # noqa: BLE001 (counted as this session's error)
            out["errors"].append(f"session {n}: connect: {type(exc).__name__}: {exc}"[:200])
            return
        while time.monotonic() < deadline:
            name = pages[i % len(pages)]
            first = i == n
            i += 1
            t0 = time.perf_counter()
            try:
                if first:
                    run = await client.open(page_address(name), LOAD_TIMEOUT_S)
                    out["first_parts"].append(("open", name, run.seconds))
                    if user:
                        left = max(1.0, LOAD_TIMEOUT_S - (time.perf_counter() - t0))
                        run = await client.submit(
                            {"Username": user, "Password": PASSWORD}, "Sign in", run, left
                        )
                        out["first_parts"].append(("sign in and page", name, run.seconds))
                else:
                    run = await client.go_to(page_address(name), LOAD_TIMEOUT_S)
            except TimeoutError as exc:
                out["unfinished"].append(f"session {n}: {name}: {type(exc).__name__}")
                break  # its late reply would be read as the next load's: the session ends
            except Exception as exc:  # noqa: BLE001 (a closed connection, a missing page)
                out["errors"].append(f"session {n}: {name}: {type(exc).__name__}: {exc}"[:200])
                break
            took = time.perf_counter() - t0
            if run.exceptions:
                out["errors"].append(f"session {n}: {name}: exception box: {run.exceptions[0]}")
                continue
            title = model["titles"][name]
            if not any(h.strip().startswith(title) for h in run.headings):
                out["errors"].append(
                    f"session {n}: {name}: the page drawn was not {title!r} but {run.headings[:3]}"
                )
                continue
            record_load(out, "protocol_loads", n, name, took, first, deadline)
            await read_the_page(rng, model, deadline)
    finally:
        await client.close()


def record_load(
    out: dict, kind: str, n: int, name: str, took: float, first: bool, deadline: float
) -> None:
    """One finished load of session `n`, in the totals, its kind's list and the timeline."""
    out["loads"].append((name, took, time.monotonic() < deadline))
    out["timeline"].append((round(time.monotonic() - deadline, 2), n, name, round(took, 2)))
    out[kind].append(took)
    if first:
        out["first"].append(took)


async def read_the_page(rng: random.Random, model: dict, deadline: float) -> None:
    """The think time before the next page (cut short at the deadline)."""
    think = rng.uniform(*model["think"])
    await asyncio.sleep(max(0.0, min(think, deadline - time.monotonic())))


def page_address(page_file: str) -> str:
    """A page's address as the menu links to it (the default page's is the root)."""
    return "" if page_file == shell.PAGES[0][0] else bench.url_path(page_file)


def nav_link(page_file: str) -> str:
    """The sidebar menu's link to a page (Streamlit writes relative addresses: the default
    page's is empty)."""
    href = page_address(page_file)
    side = '[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"]'
    return f'{side}[href="{href}"], {side}[href$="/{bench.url_path(page_file)}"]'


SIGN_IN_STATE_JS = """([fresh]) => {
    const heads = [...document.querySelectorAll(fresh + ' h1')].map(h => h.textContent.trim());
    const running = !!document.querySelector('[data-testid="stStatusWidget"]');
    if (heads.some(t => t.startsWith('Sign in'))) {
        if (document.querySelector(fresh + ' [data-testid="stAlertContentError"]')) return 'refused';
        return running ? 'running' : 'form';
    }
    return heads.length ? 'in' : 'running';
}"""
# The form clears itself on submit (clear_on_submit), and on a busy server the rerun that
# signs the person in can start seconds after the click: an empty, idle form is only taken
# for a lost submit (and typed again) once it has stayed so this long.
RETYPE_AFTER_S = 10.0


async def sign_in(page, user: str, timeout_s: float = LOAD_TIMEOUT_S) -> None:
    """Sign in as a person would: type, press Sign in, wait for the page; type it again only
    when the form has stood empty and idle for RETYPE_AFTER_S (a lost submit)."""
    deadline = time.monotonic() + timeout_s
    await page.get_by_label("Username").wait_for(timeout=timeout_s * 1000)
    while time.monotonic() < deadline:
        try:
            step = min(30.0, max(1.0, deadline - time.monotonic())) * 1000
            await page.get_by_label("Username").fill(user, timeout=step)
            await page.get_by_label("Password", exact=True).fill(PASSWORD, timeout=step)
            button = page.locator('[data-testid="stForm"]').get_by_role("button", name="Sign in")
            await button.click(timeout=step)  # waits while Streamlit holds the form disabled
        except Exception as exc:  # noqa: BLE001 (the form went away: signed in meanwhile?)
            if type(exc).__name__ != "TimeoutError":
                raise
        idle_since = None
        while time.monotonic() < deadline:
            state = await page.evaluate(SIGN_IN_STATE_JS, [FRESH])
            if state == "in":
                return
            if state == "refused":
                raise RuntimeError(f"{user} was refused at sign-in")
            if state == "form":
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since >= RETYPE_AFTER_S:
                    break  # the submit was lost: type it again
            else:
                idle_since = None
            await asyncio.sleep(0.25)
    raise TimeoutError(f"{user} could not sign in within {timeout_s:.0f} s")


def make_users(db_path: Path, sessions: int, role: str) -> list[str]:
    """A file of a service's own data asks for a sign-in: one account per session in the load
    test's copy (practice managers, each with their own practice, or programme leads)."""
    from wellpath import auth, db

    con = db.connect_read_only(db_path)
    try:
        kind = db.database_kind(con)
        practices = list(db.run_query(con, "practice_list")["practice_code"])
    finally:
        con.close()
    if kind == db.DEMO:
        return []  # the demo world opens without a sign-in
    users = []
    for n in range(sessions):
        name = f"loadtest{n:02d}"
        codes = (practices[n % len(practices)],) if role == "practice" else ()
        auth.add_user(db_path, name, role, codes, PASSWORD, None, by="load-test")
        users.append(name)
    # The account that warms each server up before the clock starts: a practice no session
    # has (sessions <= practices), so the sessions' own pages are still computed for the first
    # time in the test; a programme lead's warm-up is cleared after (see warm_up).
    codes = (practices[-1],) if role == "practice" else ()
    auth.add_user(db_path, WARM_UP_USER, role, codes, PASSWORD, None, by="load-test")
    return users


WARM_UP_USER = "loadtest-warmup"


async def warm_up(bases: list[str], pages: list[str], signs_in: bool, clear: bool) -> None:
    """Each server draws every page once for the warm-up account before the test (then clears
    its caches when that account's scope is the sessions' own): a server in service has imported its modules long before the morning's users
    arrive; a process started a second ago has not, and that start is not a page load."""
    from st_client import ProtocolSession

    for base in bases:
        client = ProtocolSession(base)
        await client.connect()
        try:
            run = await client.open("", LOAD_TIMEOUT_S)
            if signs_in:
                run = await client.submit(
                    {"Username": WARM_UP_USER, "Password": PASSWORD}, "Sign in", run,
                    LOAD_TIMEOUT_S,
                )  # fmt: skip
            for name in pages:
                await client.go_to(page_address(name), LOAD_TIMEOUT_S)
            if clear:
                # When the warm-up's scope is the sessions' own (programme leads, or the demo
                # world without a sign-in), its results go and the modules stay imported, so
                # the sessions' pages are still computed in the test. A practice manager's
                # warm-up has a practice of its own and keeps what a running server shares
                # (the connection, the practice list).
                await client.clear_caches()
                await asyncio.sleep(1.0)
        finally:
            await client.close()


BROWSER_NICENESS = 19


def renice_browsers() -> None:
    """Chromium's processes at the lowest CPU priority (again every half second while the test
    runs: Chromium sets its renderers' priorities itself, some above the servers'): one session's first load draws its charts in software for 7-10
    CPU-seconds, and on a 2-core machine that alone held the servers back (p95 7.2 s with one
    Chromium session, 2.6 s without, no import). Its own loads are reported apart."""
    me = os.getpid()
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
            names[int(entry)] = stat.split("(", 1)[1].rsplit(")", 1)[0]
    for pid in parents:
        up, hops = pid, 0
        while up in parents and up != me and hops < 64:
            up, hops = parents[up], hops + 1
        if up == me and pid != me and "chrom" in names.get(pid, "").lower():
            # Linux keeps a niceness per thread: every thread of the process (its compositor
            # and raster threads draw the charts), not only the main one.
            with contextlib.suppress(OSError):
                for tid in (int(t) for t in os.listdir(f"/proc/{pid}/task")):
                    if os.getpriority(os.PRIO_PROCESS, tid) != BROWSER_NICENESS:
                        os.setpriority(os.PRIO_PROCESS, tid, BROWSER_NICENESS)


def load_average() -> float:
    return os.getloadavg()[0]


class CpuAccount:
    """CPU seconds used by each part of the test, sampled from /proc: the browsers (Chromium,
    and Playwright's driver: descendants of this process), the server, and the imports. On one machine the sessions'
    browsers share the cores with the server, so a slow load may be the browsers' own work:
    this says whose it was. A process is counted at its last sample (a renderer that exits
    between samples loses at most one interval)."""

    TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def __init__(self, server_pids: list[int]):
        self.server_pids = server_pids
        self.start: dict[int, tuple[str, float]] = {}  # what each process had used before
        self.seen: dict[int, tuple[str, float]] = {}

    def _processes(self) -> dict[int, tuple[int, str, float]]:
        out = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")[0].decode()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            out[int(entry)] = (int(fields[1]), cmd, (int(fields[11]) + int(fields[12])) / self.TICK)
        return out

    def sample(self) -> None:
        procs = self._processes()

        def descends(pid: int, root: int) -> bool:
            for _ in range(64):
                if pid == root:
                    return True
                if pid not in procs or pid <= 1:
                    return False
                pid = procs[pid][0]
            return False

        me = os.getpid()
        for pid, (_, cmd, seconds) in procs.items():
            if any(descends(pid, root) for root in self.server_pids):
                part = "server"
            elif pid == me:
                part = "clients"  # this process: the websocket sessions
            elif descends(pid, me):
                # the imports are Python children; Chromium and Playwright's driver drive the
                # sessions
                part = "imports" if "python" in Path(cmd).name else "browsers"
            else:
                continue
            self.seen[pid] = (part, seconds)

    def begin(self) -> None:
        """From now on: what the processes used before (start-up, the warm-up) is left out."""
        self.sample()
        self.start = dict(self.seen)

    def totals(self) -> dict[str, float]:
        out = {"browsers": 0.0, "clients": 0.0, "server": 0.0, "imports": 0.0}
        for pid, (part, seconds) in self.seen.items():
            out[part] += seconds - self.start.get(pid, (part, 0.0))[1]
        return out


async def drive(
    bases: list[str], sessions: int, seconds: float, pages: list[str], servers: list, model: dict
) -> dict:
    from playwright.async_api import async_playwright

    out: dict = {"loads": [], "errors": [], "first": [], "unfinished": [], "load_avg": [],
                 "first_parts": [], "timeline": [],
                 "browser_loads": [], "protocol_loads": []}  # fmt: skip
    browsers = model["browsers"]
    async with contextlib.AsyncExitStack() as stack:
        browser = None
        if browsers:  # Playwright's driver only when a session draws in Chromium
            pw = await stack.enter_async_context(async_playwright())
            browser = await pw.chromium.launch(
                executable_path=bench.CHROMIUM, args=bench.CHROMIUM_ARGS
            )
            renice_browsers()
        deadline = time.monotonic() + seconds

        account = CpuAccount([server.proc.pid for server in servers])
        account.begin()
        out["cpu"] = account

        async def watch_memory() -> None:
            while time.monotonic() < deadline + LOAD_TIMEOUT_S:
                for server in servers:
                    server.rss_mb()
                out["load_avg"].append(load_average())
                account.sample()
                if browser is not None:
                    renice_browsers()  # Chromium sets its renderers' priorities itself
                await asyncio.sleep(0.5)

        watcher = asyncio.create_task(watch_memory())
        try:
            # Hard bound: a load in flight at the deadline gets LOAD_TIMEOUT_S to finish.
            await asyncio.wait_for(
                asyncio.gather(
                    *(
                        # each session stays with one server process, as behind a proxy
                        # with sticky sessions
                        session(browser, bases[n % len(bases)], pages, deadline, n, out, model)
                        if n < browsers
                        else protocol_session(bases[n % len(bases)], pages, deadline, n, out, model)
                        for n in range(sessions)
                    )
                ),
                timeout=seconds + LOAD_TIMEOUT_S + 30,
            )
        finally:
            watcher.cancel()
            account.sample()
            out["wall_s"] = time.monotonic() - (deadline - seconds)
            if browser is not None:
                await browser.close()
    return out


def summarise(
    out: dict, imports: list[tuple[float, int]], peak_mb: float, args, load_avg: dict
) -> dict:
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
        "browsers": args.browsers,
        "browser_loads": len(out["browser_loads"]),
        "browser_median_s": bench.median(out["browser_loads"]),
        "browser_p95_s": bench.percentile(out["browser_loads"], 0.95),
        "protocol_loads": len(out["protocol_loads"]),
        "protocol_p95_s": bench.percentile(out["protocol_loads"], 0.95),
        "errors": len(out["errors"]),
        "unfinished": len(out["unfinished"]),
        "error_examples": out["errors"][:5],
        "unfinished_examples": out["unfinished"][:5],
        "imports": len(imports),
        "imports_failed": sum(1 for _, c in imports if c != 0),
        "import_median_s": bench.median([s for s, _ in imports]),
        "server_peak_mb": peak_mb,
        "think_s": list(args.think),
        "ramp_s": args.ramp,
        "load_average": {**load_avg, "max": max([load_avg["start"], *out["load_avg"]])},
        "cores": os.cpu_count(),
        "cpu_s": out["cpu"].totals() if "cpu" in out else {},
        "wall_s": out.get("wall_s"),
        "first_parts": out["first_parts"],
        "timeline": sorted(out["timeline"]),
        "by_page": {
            p: bench.median([t for name, t, _ in out["loads"] if name == p])
            for p in sorted({name for name, _, _ in out["loads"]})
        },
    }


def render(s: dict) -> str:
    la = s["load_average"]
    p95, errs = bench.TARGETS["load_p95"], bench.TARGETS["load_errors"]
    rows = [
        ["page loads", f"{s['loads']:,}", "", ""],
        ["median page load", bench.fmt_value(s["median_s"], "s"), "", ""],
        ["p95 page load", bench.fmt_value(s["p95_s"], "s"), *p95.judge(s["p95_s"])],
        ["slowest page load", bench.fmt_value(s["max_s"], "s"), "", ""],
        ["first load of a session, median / slowest",
         f"{bench.fmt_value(s['first_median_s'], 's')} / {bench.fmt_value(s['first_max_s'], 's')}",
         "", ""],
        [f"of which in Chromium ({s['browsers']} of the sessions): loads, median / p95 to the"
         " first chart (or the whole page, on a page with none)", f"{s['browser_loads']}: {bench.fmt_value(s['browser_median_s'], 's')}"
         f" / {bench.fmt_value(s['browser_p95_s'], 's')}", "", ""],
        ["of which over the websocket: loads, p95 to the whole page",
         f"{s['protocol_loads']}: {bench.fmt_value(s['protocol_p95_s'], 's')}", "", ""],
        ["errors (exception boxes, HTTP errors)", str(s["errors"]), *errs.judge(s["errors"])],
        [f"loads unfinished after {LOAD_TIMEOUT_S} s", str(s["unfinished"]), "", ""],
        ["imports run meanwhile (failed)", f"{s['imports']} ({s['imports_failed']})",
         f"median {bench.fmt_value(s['import_median_s'], 's')}", ""],
        ["server peak resident memory", bench.fmt_value(s["server_peak_mb"], "MB"), "", ""],
        ["CPU seconds used: Chromium and other children / websocket clients / servers / imports",
         " / ".join(f"{s['cpu_s'].get(k, 0):,.0f}"
                    for k in ("browsers", "clients", "server", "imports"))
         + (f" (the machine had {s['cores'] * s['wall_s']:,.0f} in {s['wall_s']:,.0f} s)"
            if s.get("wall_s") else ""), "", ""],
        ["CPU seconds per page load: servers",
         f"{s['cpu_s'].get('server', 0) / max(1, s['loads']):.2f}",
         "", ""],
        ["load average (1 min): start / highest / end",
         f"{la['start']:.1f} / {la['max']:.1f} / {la['end']:.1f} on {s['cores']} cores", "", ""],
    ]  # fmt: skip
    think = (
        "no think time"
        if not any(s["think_s"])
        else (f"think time {s['think_s'][0]:g}-{s['think_s'][1]:g} s between a session's loads")
    )
    lines = [
        f"### Load test of {s['date']}: {s['sessions']} sessions for {s['seconds']} s at "
        f"{s['scale']} scale, "
        + ("an import running in a loop" if s["imports"] else "no import")
        + f" ({think}, arrivals over the first "
        f"{s['ramp_s']:g} s)",
        "",
        bench.markdown_table(["measure", "value", "verdict", "gap"], rows),
        "",
        "Median load by page: "
        + "; ".join(f"{Path(p).stem} {bench.fmt_value(t, 's')}" for p, t in s["by_page"].items()),
    ]
    if s["error_examples"]:
        lines += ["", "First errors:", *[f"- {e}" for e in s["error_examples"]]]
    if s.get("unfinished_examples"):
        lines += ["", "First unfinished loads:",
                  *[f"- {e.splitlines()[0]}" for e in s["unfinished_examples"][:3]]]  # fmt: skip
    return "\n".join(lines) + "\n"


def _span(text: str) -> tuple[float, float]:
    low, high = (float(x) for x in text.split(","))
    if not 0 <= low <= high <= 120:
        raise argparse.ArgumentTypeError("MIN,MAX seconds with 0 <= MIN <= MAX <= 120")
    return low, high


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="the database to serve")
    parser.add_argument("--batch", type=Path, default=None,
                        help="batch to import in a loop (default: last month of the bench batch)")  # fmt: skip
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--servers", type=int, default=2,
                        help="Streamlit processes serving the sessions (one per core: Python "
                        "runs one page at a time per process); each session keeps to one, as "
                        "behind a proxy with sticky sessions (docs/deployment.md)")  # fmt: skip
    parser.add_argument("--read-threads", type=int, default=1,
                        help="DuckDB threads per server process (WELLPATH_READ_THREADS): with "
                        "one process per core, one each")  # fmt: skip
    parser.add_argument("--import-threads", type=int, default=1,
                        help="DuckDB threads of each import (WELLPATH_IMPORT_THREADS), as "
                        "docs/deployment.md runs a scheduled import beside the dashboard")  # fmt: skip
    parser.add_argument("--browsers", type=int, default=0,
                        help="how many of the sessions drive a headless Chromium; the others "
                        "speak the browser's websocket protocol (scripts/st_client.py)")  # fmt: skip
    parser.add_argument("--port", type=int, default=8631)
    parser.add_argument("--scale", default="icb", help="label for the report")
    parser.add_argument("--pages", default=",".join(DEFAULT_PAGES))
    parser.add_argument("--no-import", action="store_true", help="no import loop")
    parser.add_argument("--no-doc", action="store_true", help="do not write docs/performance.md")
    parser.add_argument("--json", type=Path, default=None, help="also write the summary here")
    parser.add_argument("--think", type=_span, default=(5.0, 15.0),
                        help="seconds a user reads a page before the next, as MIN,MAX (uniform)")  # fmt: skip
    parser.add_argument("--ramp", type=float, default=10.0,
                        help="sessions arrive at random over the first RAMP seconds")  # fmt: skip
    parser.add_argument("--seed", type=int, default=12, help="seed of the think times")
    parser.add_argument("--shots", type=Path, default=None,
                        help="folder for a screenshot of every unfinished load")  # fmt: skip
    parser.add_argument("--role", choices=["practice", "programme_lead"], default="practice",
                        help="who signs in, on a file of a service's own data")  # fmt: skip
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS or not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"sessions 1-{MAX_SESSIONS}, seconds 1-{MAX_SECONDS}")
    if not 1 <= args.servers <= 8:
        parser.error("--servers is 1 to 8")
    if not 0 <= args.browsers <= args.sessions:
        parser.error("--browsers is 0 to --sessions")
    if not args.db.exists():
        parser.error(f"{args.db} does not exist (python -m wellpath bench builds it)")
    pages = [p for p in args.pages.split(",") if p]
    with tempfile.TemporaryDirectory(prefix="wellpath-load-") as tmp:
        work_db = Path(tmp) / "wellpath.duckdb"  # imports write here, never to the bench file
        bench.shutil.copy2(args.db, work_db)
        upgraded = bench.bring_up_to_date(work_db)  # a one-off, not part of the loads timed
        if upgraded is not None:
            print(f"upgraded the copy to this version in {upgraded:.1f} s", file=sys.stderr)
        batch = args.batch
        if batch is None and not args.no_import:
            source = args.db.parent / "batch"
            if not (source / "referrals.csv").exists():
                parser.error("no --batch given and no batch beside the database")
            batch = small_batch(source, Path(tmp) / "small")
        users = make_users(work_db, args.sessions, args.role)
        loop = (
            None
            if args.no_import
            else ImportLoop(batch, work_db, is_demo=not users, threads=args.import_threads)
        )
        titles = {path: title for path, title, *_ in shell.PAGES}
        model = {"think": args.think, "ramp": args.ramp, "seed": args.seed, "users": users,
                 "titles": titles, "shots": args.shots, "browsers": args.browsers}  # fmt: skip
        load_avg = {"start": load_average()}
        with contextlib.ExitStack() as stack:
            servers = [
                stack.enter_context(
                    bench.Server(
                        work_db,
                        args.port + i,
                        env={"WELLPATH_READ_THREADS": str(args.read_threads)},
                    )
                )
                for i in range(args.servers)
            ]
            urls = [server.url for server in servers]
            print(f"servers up on {', '.join(urls)}; {args.sessions} sessions for {args.seconds} s",
                  file=sys.stderr)  # fmt: skip
            t0 = time.perf_counter()
            shared_scope = not users or args.role != "practice"
            asyncio.run(warm_up(urls, pages, signs_in=bool(users), clear=shared_scope))
            print(f"servers warmed up in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
            # From here this process, and the Chromium and imports it starts, run below the
            # servers' CPU priority: in use the browsers are on the users' own computers, so
            # on this one machine they must not take the servers' cores first (a first load
            # in Chromium draws its charts in software: 7-10 CPU-seconds).
            os.nice(CLIENT_NICENESS)
            if loop:
                loop.start()
            try:
                out = asyncio.run(drive(urls, args.sessions, args.seconds, pages, servers, model))
            finally:
                if loop:
                    loop.finish()
            peak = max(max(server.vm_hwm_mb(), server.peak_mb) for server in servers)
        load_avg["end"] = load_average()
    summary = summarise(out, loop.runs if loop else [], peak, args, load_avg)
    text = render(summary)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    if not args.no_doc:
        bench.write_doc("load", text)
    return 0 if summary["errors"] == 0 and summary["unfinished"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
