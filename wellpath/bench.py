"""`python -m wellpath bench`: how long the import and every page take, against the targets.

    python -m wellpath bench --scale icb               # build (or reuse) data/bench/icb, time it
    python -m wellpath bench --scale icb --runs 5      # more runs per page (the median is shown)
    python -m wellpath bench --load --sessions 20 --seconds 60   # the load test (scripts/)

Steps, each in child processes so that times and memory are those of a fresh process:
1. the scale's CSV batch (`python -m wellpath demo --scale S --batch-only DIR`) and its import
   (`python -m wellpath import DIR`): wall time, rows a second, peak resident memory
   (the child's VmHWM, polled); reused when data/bench/<scale> already holds them
   (their times are then those recorded when they were built);
2. an incremental monthly batch (the last whole month's rows) into a copy of the full file;
3. every page of dashboard.py through streamlit.testing.v1.AppTest: cold (a new process,
   empty caches) and warm (the same page and filters run again), medians of --runs;
4. the heaviest page in headless Chromium against a real server: time to the first chart,
   and the server's peak resident memory while every page is opened once;
5. the pandas way (wellpath.bench_pandas) against Wellpath's query for six page computations,
   end to end (read the CSVs / open the file, compute), with a check that the answers agree.
The table is printed and written into docs/performance.md between the BENCH markers, with
the machine it ran on and every target met or not, with the gap.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DASHBOARD = REPO / "dashboard.py"
DOC = REPO / "docs" / "performance.md"
BENCH_ROOT = REPO / "data" / "bench"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHART_SELECTOR = '[data-testid="stPlotlyChart"] .main-svg, [data-testid="stException"]'
MARKERS = {"bench": ("<!-- BENCH:START -->", "<!-- BENCH:END -->"),
           "load": ("<!-- LOAD:START -->", "<!-- LOAD:END -->")}  # fmt: skip


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Pure parts: the machine, targets, the table (unit-tested)


def machine() -> dict[str, str]:
    """Cores, memory, CPU model, Python and DuckDB versions, the date and the load."""
    import duckdb

    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cores": str(os.cpu_count()),
        "memory": f"{mem_gb:.1f} GB",
        "cpu": cpu,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "date": dt.date.today().isoformat(),
        "load average at start": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


@dataclass(frozen=True)
class Target:
    """A limit from issue 12: `measured <= limit` (or >= for ratios, when at_least)."""

    name: str
    limit: float
    unit: str
    at_least: bool = False

    def judge(self, measured: float | None) -> tuple[str, str]:
        """('met' | 'not met' | 'not measured', the gap as text)."""
        if measured is None:
            return "not measured", ""
        if self.at_least:
            if measured >= self.limit:
                return "met", ""
            return "not met", f"{self.limit / measured:.1f}x short" if measured > 0 else "-"
        if measured <= self.limit:
            return "met", ""
        over = fmt_value(measured - self.limit, self.unit)
        if self.limit == 0:
            return "not met", f"{over} over"
        return "not met", f"{over} over ({measured / self.limit:.1f}x)"


def fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "s":
        return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"
    if unit == "MB":
        return f"{value / 1024:.2f} GB" if value >= 1024 else f"{value:.0f} MB"
    if unit == "x":
        return f"{value:.1f}x"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:g} {unit}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub table; numbers right-aligned (a column is numeric when every cell looks so)."""
    cells = [[str(c) for c in r] for r in rows]
    numeric = [
        bool(cells) and all(re.match(r"^[–\d.,x\s%-]*(s|MB|GB|ms|x)?$", r[i]) for r in cells)
        for i in range(len(header))
    ]
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---:" if n else "---" for n in numeric) + "|")
    lines += ["| " + " | ".join(r) + " |" for r in cells]
    return "\n".join(lines)


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default), q in 0..1."""
    if not values:
        return None
    s = sorted(values)
    pos = (len(s) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def replace_section(text: str, which: str, body: str) -> str:
    """`text` with the block between `which`'s markers replaced (appended when missing)."""
    start, end = MARKERS[which]
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        return before + block + rest.split(end, 1)[1]
    return text.rstrip() + "\n\n" + block + "\n"


def write_doc(which: str, body: str, doc: Path = DOC) -> None:
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Performance\n"
    doc.write_text(replace_section(text, which, body), encoding="utf-8")


def dashboard_pages(dashboard: Path = DASHBOARD) -> list[tuple[str, str]]:
    """(file, title) of every page the router serves, in order (wellpath.shell.PAGES; the
    router, `dashboard`, runs the shell)."""
    from wellpath import shell

    return [(path, title) for path, title, _icon, _section in shell.PAGES]


def url_path(page_file: str) -> str:
    """Streamlit's URL for a page file: its name without the .py (and without a number prefix)."""
    stem = Path(page_file).stem
    return re.sub(r"^\d+_", "", stem)


# ---------------------------------------------------------------------------------------------
# Children: wall time and peak resident memory of one process


@dataclass
class ChildRun:
    seconds: float
    peak_mb: float
    returncode: int
    stdout: str
    stderr: str


def _vm_hwm_mb(pid: int) -> float:
    """A process's own resident high-water mark (VmHWM, reset at exec), 0 when it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    m = re.search(r"VmHWM:\s+(\d+)", text)
    return int(m.group(1)) / 1024 if m else 0.0


def run_child(cmd: Sequence[str], env: dict[str, str] | None = None) -> ChildRun:
    """Run a command to the end; its wall time and peak resident memory.

    The peak is the child's VmHWM, polled every 50 ms until it exits. Not wait4's ru_maxrss:
    on Linux that carries the parent's size at fork across the exec, so a 1 GB parent would
    report every child as at least 1 GB.
    """
    import threading

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=REPO, env=env)
        peak = [0.0]
        done = threading.Event()

        def poll() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], _vm_hwm_mb(proc.pid))
                done.wait(0.05)

        watcher = threading.Thread(target=poll, daemon=True)
        watcher.start()
        proc.wait()
        seconds = time.perf_counter() - t0
        done.set()
        watcher.join()
        out.seek(0)
        err.seek(0)
        return ChildRun(seconds, peak[0], proc.returncode, out.read(), err.read())


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _csv_rows(folder: Path) -> dict[str, int]:
    import duckdb

    con = duckdb.connect()
    try:
        return {
            p.stem: con.execute(
                "select count(*) from read_csv($p, all_varchar = true)", {"p": str(p)}
            ).fetchone()[0]
            for p in sorted(folder.glob("*.csv"))
        }
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------
# 1-2. Build, import, monthly batch


def build(scale: str, root: Path, db_path: Path, today: dt.date | None) -> dict:
    """The batch and the database of a scale, reused when present; their recorded timings."""
    root.mkdir(parents=True, exist_ok=True)
    record_path = root / "build.json"
    record = json.loads(record_path.read_text()) if record_path.exists() else {}
    batch = root / "batch"
    if not (batch / "referrals.csv").exists():
        say(f"writing the {scale} batch into {batch}")
        cmd = [sys.executable, "-m", "wellpath", "demo", "--scale", scale, "--batch-only",
               str(batch)]  # fmt: skip
        if today:
            cmd += ["--today", today.isoformat()]
        run = run_child(cmd, _env())
        if run.returncode:
            raise SystemExit(f"demo --batch-only failed:\n{run.stderr[-2000:]}")
        record = {"batch_seconds": run.seconds, "batch_peak_mb": run.peak_mb,
                  "batch_measured": dt.date.today().isoformat(),
                  "today": (today or dt.date.today()).isoformat()}  # fmt: skip
    if "rows" not in record:
        record["rows"] = _csv_rows(batch)
        record["batch_mb"] = sum(p.stat().st_size for p in batch.glob("*.csv")) / 1e6
    if "today" not in record:
        record["today"] = (today or _batch_today(batch)).isoformat()
    if not db_path.exists():
        say(f"importing the batch into {db_path}")
        run = run_child([sys.executable, "-m", "wellpath", "import", str(batch), "--db",
                         str(db_path), "--run-by", "benchmark"], _env())  # fmt: skip
        if run.returncode:
            raise SystemExit(f"import failed:\n{run.stderr[-2000:]}")
        record.update(import_seconds=run.seconds, import_peak_mb=run.peak_mb,
                      import_measured=dt.date.today().isoformat(),
                      db_mb=db_path.stat().st_size / 1e6)  # fmt: skip
    else:
        upgraded = bring_up_to_date(db_path)
        if upgraded is not None:
            record.update(upgrade_seconds=upgraded, upgrade_measured=dt.date.today().isoformat())
    record_path.write_text(json.dumps(record, indent=2))
    return record


def bring_up_to_date(db_path: Path) -> float | None:
    """Upgrade a reused file built by another version of Wellpath before anything is timed
    (else the first page run, or every session of a load test, waits on the upgrade); the
    seconds it took, or None when the file was current."""
    from wellpath import db

    if db.is_current(db_path):
        return None
    say(f"upgrading {db_path} to this version's derived tables")
    t0 = time.perf_counter()
    db.upgrade(db_path)
    return time.perf_counter() - t0


def _batch_today(batch: Path) -> dt.date:
    """A reused batch's reference date, when it was not recorded: its last referral's date."""
    import duckdb

    got = duckdb.sql(
        f"select max(referral_date) from read_csv('{batch / 'referrals.csv'}')"  # noqa: S608
    ).fetchone()[0]
    return got


MONTHLY_SQL = {
    "referrals": "left(referral_date, 7) = $m or left(triage_date, 7) = $m "
    "or left(first_contact_date, 7) = $m or left(discharge_date, 7) = $m",
    "contacts": "left(contact_date, 7) = $m",
    "goals": "left(agreed_date, 7) = $m or left(closed_date, 7) = $m",
    "assessments": "left(assessment_date, 7) = $m",
    "healthcare_use": "left(month, 7) = $m",
    "prescriptions": "left(month, 7) = $m",
}


def write_monthly_batch(batch: Path, out: Path, month: str) -> dict[str, int]:
    """The rows a service would send for one month (YYYY-MM): referrals touched in it, its
    contacts, goals, questionnaires and healthcare use, their patients, every practice and
    worker. Sent again into the full file they replace the loaded rows (the contract's upsert)."""
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    rows: dict[str, int] = {}
    try:
        for name, where in MONTHLY_SQL.items():
            src = batch / f"{name}.csv"
            if not src.exists():
                continue
            typed = f"read_csv('{src}', all_varchar = true)"  # noqa: S608
            con.execute(f"create or replace temp table m_{name} as select * from {typed} "  # noqa: S608
                        f"where {where}", {"m": month})  # fmt: skip
        made = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        ids = " union ".join(
            f"select patient_id from m_{t}"  # noqa: S608
            for t in ("referrals", "healthcare_use", "prescriptions")
            if f"m_{t}" in made
        )
        con.execute(
            "create or replace temp table m_patients as select * from "  # noqa: S608
            f"read_csv('{batch / 'patients.csv'}', all_varchar = true) "
            f"where patient_id in ({ids})"
        )
        for name in ("practices", "link_workers"):
            if (batch / f"{name}.csv").exists():
                shutil.copy(batch / f"{name}.csv", out / f"{name}.csv")
                rows[name] = -1
        for name in [*MONTHLY_SQL, "patients"]:
            exists = con.execute(
                "select count(*) from duckdb_tables() where table_name = $t", {"t": f"m_{name}"}
            ).fetchone()[0]
            if exists:
                con.execute(f"copy m_{name} to '{out / (name + '.csv')}' (header)")
                rows[name] = con.execute(f"select count(*) from m_{name}").fetchone()[0]  # noqa: S608
    finally:
        con.close()
    return rows


def time_monthly(batch: Path, db_path: Path, today: dt.date, work: Path) -> dict:
    """The last whole month's batch imported into a copy of the full file."""
    last = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    monthly = work / f"monthly-{last}"
    rows = write_monthly_batch(batch, monthly, last)
    copy = work / "monthly.duckdb"
    shutil.copy2(db_path, copy)
    run = run_child([sys.executable, "-m", "wellpath", "import", str(monthly), "--db", str(copy),
                     "--run-by", "benchmark"], _env())  # fmt: skip
    copy.unlink(missing_ok=True)
    if run.returncode:
        say(f"monthly import failed: {run.stderr[-1500:]}")
    return {"month": last, "rows": sum(n for n in rows.values() if n > 0),
            "seconds": run.seconds if run.returncode == 0 else None, "peak_mb": run.peak_mb}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# 3. Pages through AppTest (child process per cold run)


def _profile_script_thread():
    """A cProfile.Profile that records the next thread started (AppTest runs the page
    script on a thread of its own, which a profiler enabled here would not see)."""
    import cProfile
    import threading

    prof = cProfile.Profile()

    def start(*_args) -> None:
        sys.setprofile(None)
        prof.enable()

    threading.setprofile(start)
    return prof


def page_child(
    page: str, warm_runs: int, profile: Path | None = None, role: str = "programme_lead"
) -> dict:
    """In this (new) process: the router once, then `page` cold and `warm_runs` times warm."""
    from streamlit.testing.v1 import AppTest

    from wellpath import auth

    # Pages are timed as the programme lead (every practice, full access): a signed-out
    # viewer would only see the sign-in form. The hook is this child process's own.
    auth.enable_test_hooks()
    at = AppTest.from_file(str(DASHBOARD), default_timeout=900)
    at.session_state[auth.TEST_SCOPE_KEY] = auth.scope_for(role)
    first_page = dashboard_pages()[0][0]
    prof = _profile_script_thread() if profile and page == first_page else None
    t0 = time.perf_counter()
    at.run()
    router = time.perf_counter() - t0
    if prof:
        import threading

        threading.setprofile(None)
        prof.dump_stats(str(profile))
    errors = [e.message for e in at.exception]
    cold = router
    if page != first_page and not errors:
        at.switch_page(page)
        prof = _profile_script_thread() if profile else None
        t0 = time.perf_counter()
        at.run()
        cold = time.perf_counter() - t0
        if prof:
            import threading

            threading.setprofile(None)
            prof.dump_stats(str(profile))
        errors += [e.message for e in at.exception]
    warm = []
    for _ in range(warm_runs):
        t0 = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - t0)
    charts = len(at.get("plotly_chart"))
    click_s, click_widget = ([], "") if errors else click_times(at)
    return {"page": page, "router_s": router, "cold_s": cold, "warm_s": warm,
            "errors": errors, "charts": charts, "click_s": click_s,
            "click_widget": click_widget}  # fmt: skip


CLICK_TRIES = 4  # widgets tried per page for one that changes no view's input
CLICK_REPEATS = 3


def _flip(widget) -> bool:
    """Give a widget another value, as a click would; False when it has no other."""
    kind = type(widget).__name__
    if kind in ("Toggle", "Checkbox"):
        widget.set_value(not widget.value)
        return True
    if kind == "Selectbox" and len(widget.options) > 1:
        widget.select_index(((widget.index or 0) + 1) % len(widget.options))
        return True
    if kind == "Radio" and len(widget.options) > 1:
        # Another option by its label: a radio whose labels are not its values raises here.
        widget.set_value(widget.options[((widget.index or 0) + 1) % len(widget.options)])
        return widget.index is not None
    return False


def click_times(at) -> tuple[list[float], str]:
    """A widget click that changes no data input: the page's first widget (toggles and
    checkboxes, then radios and select boxes, in the page's main area) whose change makes the
    rerun compute no view again (data.VIEW_CACHE counts the computations), clicked
    CLICK_REPEATS times; each click is timed from the click to the end of the rerun."""
    from wellpath import data

    candidates = [w for kind in ("toggle", "checkbox", "radio", "selectbox")
                  for w in at.main.get(kind)][:CLICK_TRIES]  # fmt: skip
    for widget in candidates:
        key, kind = widget.key, type(widget).__name__.lower()
        times: list[float] = []
        for _ in range(CLICK_REPEATS):
            found = next((w for w in at.main.get(kind) if w.key == key), None)
            try:
                if found is None or not _flip(found):
                    break
            except Exception:  # noqa: BLE001 (a widget AppTest cannot set: try the next)
                break
            before = data.VIEW_CACHE.stats["computed"]
            t0 = time.perf_counter()
            try:
                at.run()
            except ValueError:  # AppTest cannot send this widget's state (a select box
                times = []  # left empty, seen on the MDT page): try the next widget
                break
            took = time.perf_counter() - t0
            if at.exception or data.VIEW_CACHE.stats["computed"] != before:
                times = []
                break
            times.append(took)
        if times:
            label = getattr(widget, "label", key) or key
            return times, f"{kind} '{label}'"
    return [], ""


def time_pages(db_path: Path, runs: int, pages: list[tuple[str, str]]) -> list[dict]:
    results = []
    for page, title in pages:
        colds, warms, peaks, errors, charts = [], [], [], [], 0
        clicks, widget = [], ""
        for i in range(runs):
            run = run_child([sys.executable, "-m", "wellpath.bench", "--page-child", page,
                             "--warm", "3" if i == 0 else "1"],
                            _env(WELLPATH_DB=str(db_path)))  # fmt: skip
            line = next((ln for ln in run.stdout.splitlines() if ln.startswith("{")), None)
            if run.returncode or line is None:
                errors.append(f"child failed: {run.stderr.strip().splitlines()[-1:]}")
                break
            got = json.loads(line)
            colds.append(got["cold_s"])
            warms += got["warm_s"]
            peaks.append(run.peak_mb)
            errors += got["errors"]
            charts = got["charts"]
            clicks += got.get("click_s", [])
            widget = got.get("click_widget") or widget
        results.append({"page": page, "title": title, "cold_s": median(colds),
                        "warm_s": median(warms), "peak_mb": max(peaks, default=None),
                        "errors": errors, "charts": charts, "cold_runs": colds,
                        "click_s": median(clicks), "click_widget": widget})  # fmt: skip
        say(f"  {title:<28} cold {fmt_value(median(colds), 's'):>8}  warm "
            f"{fmt_value(median(warms), 's'):>8}  click {fmt_value(median(clicks), 's'):>8}  "
            f"{len(errors)} errors")  # fmt: skip
    return results


# ---------------------------------------------------------------------------------------------
# 4. Chromium against a real server


class Server:
    """`streamlit run dashboard.py` on 127.0.0.1:port with WELLPATH_DB, killed on exit."""

    def __init__(self, db_path: Path, port: int, env: dict[str, str] | None = None):
        self.db_path, self.port = db_path, port
        self.env = env or {}
        self.proc: subprocess.Popen | None = None
        self.peak_mb = 0.0

    def __enter__(self) -> Server:
        cmd = [sys.executable, "-m", "streamlit", "run", str(DASHBOARD),
               "--server.port", str(self.port), "--server.address", "127.0.0.1",
               "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]  # fmt: skip
        # WELLPATH_BENCH_SERVER_LOG keeps the server's log (its tracebacks) for a look after.
        named = os.environ.get("WELLPATH_BENCH_SERVER_LOG")
        self.log = open(named, "w+") if named else tempfile.TemporaryFile("w+")  # noqa: SIM115
        self.proc = subprocess.Popen(
            cmd, cwd=REPO, env=_env(WELLPATH_DB=str(self.db_path), **self.env), stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.wait_healthy()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_healthy(self, timeout: float = 120) -> None:
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc and self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"server exited: {self.log.read()[-1500:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("server did not become healthy")

    def rss_mb(self) -> float:
        """Resident memory of the server process (VmRSS), and keep the peak."""
        try:
            text = Path(f"/proc/{self.proc.pid}/status").read_text()
        except (OSError, AttributeError):
            return 0.0
        kb = int(re.search(r"VmRSS:\s+(\d+)", text).group(1))
        self.peak_mb = max(self.peak_mb, kb / 1024)
        return kb / 1024

    def vm_hwm_mb(self) -> float:
        """The kernel's own high-water mark of the server's resident memory (VmHWM)."""
        try:
            text = Path(f"/proc/{self.proc.pid}/status").read_text()
            return int(re.search(r"VmHWM:\s+(\d+)", text).group(1)) / 1024
        except (OSError, AttributeError):
            return self.peak_mb

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


BENCH_USER = "benchmark-lead"
BENCH_PASSWORD = "benchmark password, loopback only"  # noqa: S105 (its own bench file)


def _bench_user(db_path: Path) -> str | None:
    """A file of a service's own data asks for a sign-in: the bench's programme-lead account
    in that file's accounts (made once); None for the demo world, which opens without one."""
    from wellpath import auth, db

    con = db.connect_read_only(db_path)
    try:
        kind = db.database_kind(con)
    finally:
        con.close()
    if kind == db.DEMO:
        return None
    with contextlib.suppress(Exception):  # already there from an earlier run
        auth.add_user(db_path, BENCH_USER, "programme_lead", (), BENCH_PASSWORD, None,
                      by="benchmark")  # fmt: skip
    return BENCH_USER


def _sign_in(page, user: str) -> None:
    page.get_by_label("Username").fill(user, timeout=600_000)
    page.get_by_label("Password", exact=True).fill(BENCH_PASSWORD, timeout=600_000)
    page.locator('[data-testid="stForm"]').get_by_role("button", name="Sign in").click(
        timeout=600_000
    )


def browser_times(
    db_path: Path,
    port: int,
    heaviest: str,
    pages: list[str],
    no_chart: frozenset[str] = frozenset(),
) -> dict:
    """Fresh server: time to the first chart of `heaviest` (cold, then again warm in a new
    tab), then every page opened once; the server's peak resident memory (VmHWM)."""
    from playwright.sync_api import sync_playwright

    out: dict = {"page": heaviest}
    user = _bench_user(db_path)
    with Server(db_path, port) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for label in ("cold", "warm"):
                ctx = browser.new_context(viewport={"width": 1440, "height": 900})
                page = ctx.new_page()
                t0 = time.perf_counter()
                page.goto(f"{server.url}/{url_path(heaviest)}", timeout=600_000)
                if user:
                    _sign_in(page, user)
                page.wait_for_selector(CHART_SELECTOR, timeout=600_000)
                out[f"{label}_s"] = time.perf_counter() - t0
                out[f"{label}_exception"] = page.locator('[data-testid="stException"]').count()
                ctx.close()
                server.rss_mb()
            ctx = browser.new_context(viewport={"width": 1440, "height": 900})
            page = ctx.new_page()
            for p in pages:
                page.goto(f"{server.url}/{url_path(p)}", timeout=600_000)
                if user:  # every address typed is a new Streamlit session: signed out
                    _sign_in(page, user)
                # Pages without a chart (as AppTest found): their main block is enough, as
                # only the memory is wanted here.
                wanted = '[data-testid="stMain"] h1' if p in no_chart else CHART_SELECTOR
                with contextlib.suppress(Exception):
                    page.wait_for_selector(wanted, timeout=120_000)
                server.rss_mb()
            ctx.close()
        finally:
            browser.close()
        out["server_peak_mb"] = max(server.vm_hwm_mb(), server.peak_mb)
    return out


# ---------------------------------------------------------------------------------------------
# 5. The pandas way, side by side


def compare_pandas(batch: Path, db_path: Path, today: dt.date, runs: int) -> list[dict]:
    from wellpath import bench_pandas as bp
    from wellpath import db

    period = bp.Period(today - dt.timedelta(days=365), today)
    results = []
    for comp in bp.COMPUTATIONS:
        pandas_times, sql_times = [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            frame = comp.func(bp.read_tables(batch, list(comp.tables)), period)
            pandas_times.append(time.perf_counter() - t0)
        open_times = []
        for _ in range(runs):
            # A new connection each run, so DuckDB's buffers hold nothing of the last run (the
            # pandas way has only the operating system's file cache, and so has this). The
            # dashboard opens its connection once per server process, so the page computation
            # is the query on it (`sql_s`); opening the file is timed apart (`open_s`).
            t0 = time.perf_counter()
            con = db.connect_read_only(db_path)
            codes = [r[0] for r in con.execute("select practice_code from practices").fetchall()]
            t1 = time.perf_counter()
            params = {"start_date": period.start_date, "end_date": period.end_date,
                      "report_date": period.report_date, "practice_codes": codes,
                      "conditions": None, "worker_ids": None, **dict(comp.sql_extra)}  # fmt: skip
            sql = db.run_query(con, comp.sql_query, params)
            sql_times.append(time.perf_counter() - t1)
            open_times.append(t1 - t0)
            con.close()
        problem = bp.compare(comp.label, frame, sql)
        p, s, o = median(pandas_times), median(sql_times), median(open_times)
        results.append({"label": comp.label, "query": comp.sql_query, "pandas_s": p, "sql_s": s,
                        "open_s": o, "ratio": p / s, "ratio_with_open": p / (s + o),
                        "rows": len(frame), "agree": problem == "",
                        "problem": problem})  # fmt: skip
        say(f"  {comp.label:<32} pandas {p:6.2f} s  Wellpath {s:6.2f} s (+{o:.2f} s to open) "
            f"{p / s:5.1f}x  {'answers agree' if not problem else 'DIFFER: ' + problem}")  # fmt: skip
    return results


# ---------------------------------------------------------------------------------------------
# 6. Every query on its own, and the SPC chart maths (were scripts/benchmark_*.py)


def time_queries(db_path: Path, today: dt.date, limit: float = 120) -> list[dict]:
    """Every query in queries/ that needs only the standard parameters (all practices, the
    last twelve months), on one connection: seconds (one run, cut off at `limit`) and rows."""
    import threading

    import duckdb

    from wellpath import access, db
    from wellpath.scope import Filters

    con = db.connect_read_only(db_path)
    out = []
    try:
        codes = [r[0] for r in con.execute("select practice_code from practices").fetchall()]
        filters = Filters(start_date=today - dt.timedelta(days=365), end_date=today)
        params = access.standard_params(codes, filters)
        params.update(time_point_months=None, window_days=None)
        for path in sorted(db.QUERIES_DIR.glob("*.sql")):
            name = path.stem
            if name.startswith("derive_") or db.query_parameters(name) - params.keys():
                continue
            timer = threading.Timer(limit, con.interrupt)
            timer.start()
            t0 = time.perf_counter()
            try:
                rows = len(db.run_query(con, name, params))
                seconds: float | None = time.perf_counter() - t0
            except duckdb.InterruptException:
                rows, seconds = 0, None
            finally:
                timer.cancel()
            out.append({"query": name, "seconds": seconds, "rows": rows})
    finally:
        con.close()
    return out


def time_spc(n_practices: int = 6_300, n_months: int = 36, repeat: int = 5) -> dict:
    """wellpath.spc.xmr_many over every practice series in England (random rates, one rebase
    in a tenth of them): the best and median of `repeat` timings."""
    import numpy as np
    import pandas as pd

    from wellpath import spc

    rng = np.random.default_rng(2026)
    months = pd.date_range("2023-11-01", periods=n_months, freq="MS")
    frame = pd.DataFrame(
        {
            "practice": np.repeat([f"P{i:05d}" for i in range(n_practices)], n_months),
            "month": np.tile(months, n_practices),
            "rate_per_1000": rng.gamma(4.0, 2.5, n_practices * n_months),
        }
    )
    frame["rebase"] = (frame["month"] == months[n_months // 2]) & (frame["practice"].str[-1] == "0")
    timings = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = spc.xmr_many(
            frame, "practice", "rate_per_1000", period_col="month", rebase_col="rebase"
        )
        timings.append(time.perf_counter() - t0)
    return {"series": n_practices, "points": len(result), "best_s": min(timings),
            "median_s": median(timings),
            "special_cause_points": int(result["special_cause_flag"].sum())}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The report


TARGETS = {
    "page_cold": Target("every page cold, server-side", 1.5, "s"),
    "page_warm": Target("every page warm, server-side", 0.25, "s"),
    "widget": Target("a widget click that changes no data input", 0.1, "s"),
    "first_chart": Target("first chart in Chromium (heaviest page)", 3.0, "s"),
    "server_peak": Target("server peak resident memory", 1536, "MB"),
    "import": Target("batch import time", 180, "s"),
    "import_peak": Target("import peak memory", 4096, "MB"),
    "monthly": Target("monthly batch into the full database", 30, "s"),
    "pandas": Target("faster than the pandas way, every computation", 10, "x", at_least=True),
    "load_p95": Target("load test p95 page load (20 sessions)", 3.0, "s"),
    "load_errors": Target("load test errors", 0, "count"),
}


@dataclass
class Report:
    scale: str
    machine: dict[str, str]
    build: dict
    monthly: dict | None = None
    pages: list[dict] = field(default_factory=list)
    browser: dict | None = None
    pandas: list[dict] = field(default_factory=list)
    queries: list[dict] = field(default_factory=list)
    spc: dict | None = None


def target_rows(r: Report) -> list[list[str]]:
    pages_ok = [p for p in r.pages if p["cold_s"] is not None]
    worst_cold = max(pages_ok, key=lambda p: p["cold_s"], default=None)
    worst_warm = max(pages_ok, key=lambda p: p["warm_s"] or 0, default=None)
    clicked = [p for p in pages_ok if p.get("click_s") is not None]
    worst_click = max(clicked, key=lambda p: p["click_s"], default=None)
    measured: dict[str, tuple[float | None, str]] = {
        "page_cold": (worst_cold and worst_cold["cold_s"],
                      worst_cold["title"] if worst_cold else ""),
        "page_warm": (worst_warm and worst_warm["warm_s"],
                      worst_warm["title"] if worst_warm else ""),
        "widget": (worst_click and worst_click["click_s"],
                   f"{worst_click['title']}: {worst_click['click_widget']}" if worst_click
                   else "no page had a widget that changes no data input"),
        "first_chart": (r.browser and r.browser.get("cold_s"),
                        r.browser["page"] if r.browser else ""),
        "server_peak": (r.browser and r.browser.get("server_peak_mb"), "Chromium on every page"),
        "import": (r.build.get("import_seconds"), f"{r.scale} batch"),
        "import_peak": (r.build.get("import_peak_mb"), f"{r.scale} batch"),
        "monthly": (r.monthly and r.monthly.get("seconds"),
                    f"{r.monthly['month']}, {r.monthly['rows']:,} rows" if r.monthly else ""),
        "pandas": (min((p["ratio"] for p in r.pandas), default=None),
                   min(r.pandas, key=lambda p: p["ratio"])["label"] if r.pandas else ""),
    }  # fmt: skip
    rows = []
    for key, (value, where) in measured.items():
        t = TARGETS[key]
        verdict, gap = t.judge(value)
        bound = f"{'>=' if t.at_least else '<='} {fmt_value(t.limit, t.unit)}"
        rows.append([t.name, bound, fmt_value(value, t.unit), where, verdict, gap])
    return rows


def render(r: Report) -> str:
    b = r.build
    rows_total = sum(b.get("rows", {}).values())
    lines = [f"### Run of {r.machine['date']} at {r.scale} scale", ""]
    lines.append(markdown_table(["machine", ""], [[k, v] for k, v in r.machine.items()]))
    lines += ["", "#### Targets (issue 12; set for national scale, judged here at "
              f"{r.scale} scale)", ""]  # fmt: skip
    lines.append(markdown_table(["target", "limit", "measured", "where", "verdict", "gap"],
                                target_rows(r)))  # fmt: skip
    lines += ["", "#### Build and import", ""]
    imp_rate = rows_total / b["import_seconds"] if b.get("import_seconds") else None
    build_rows = [
        ["write the CSV batch (demo --batch-only)", fmt_value(b.get("batch_seconds"), "s"),
         fmt_value(b.get("batch_peak_mb"), "MB"), f"{b.get('batch_mb', 0):,.0f} MB of CSV",
         b.get("batch_measured", "")],
        ["import the batch", fmt_value(b.get("import_seconds"), "s"),
         fmt_value(b.get("import_peak_mb"), "MB"),
         f"{rows_total:,} rows, {imp_rate:,.0f} rows/s; file {b.get('db_mb', 0):,.0f} MB"
         if imp_rate else "", b.get("import_measured", "")],
        ["demo build (batch + import)",
         fmt_value((b.get("batch_seconds") or 0) + (b.get("import_seconds") or 0), "s"), "", "",
         ""],
    ]  # fmt: skip
    if r.monthly:
        m = r.monthly
        build_rows.append([f"monthly batch ({m['month']}) into the full file",
                           fmt_value(m["seconds"], "s"), fmt_value(m["peak_mb"], "MB"),
                           f"{m['rows']:,} rows", r.machine["date"]])  # fmt: skip
    lines.append(markdown_table(["step", "time", "peak memory", "size", "measured"], build_rows))
    lines += [
        "",
        "Rows per table: " + ", ".join(f"{k} {v:,}" for k, v in b.get("rows", {}).items()),
    ]
    if r.pages:
        lines += ["", "#### Pages, server-side (AppTest; median of cold runs in new processes, "
                  "median of warm reruns)", ""]  # fmt: skip
        page_rows = []
        for p in r.pages:
            cold, warm = (
                TARGETS["page_cold"].judge(p["cold_s"]),
                TARGETS["page_warm"].judge(p["warm_s"]),
            )
            click = TARGETS["widget"].judge(p.get("click_s"))
            page_rows.append([p["title"], fmt_value(p["cold_s"], "s"), cold[0],
                              fmt_value(p["warm_s"], "s"), warm[0],
                              fmt_value(p.get("click_s"), "s"), click[0],
                              p.get("click_widget") or "–",
                              fmt_value(p["peak_mb"], "MB"), p["charts"],
                              len(p["errors"]) or "none"])  # fmt: skip
        lines.append(markdown_table(["page", "cold", "<= 1.5 s", "warm", "<= 0.25 s",
                                     "click", "<= 0.1 s", "widget clicked",
                                     "process peak", "charts", "errors"], page_rows))  # fmt: skip
        lines += ["", "A click is a rerun after a change to a widget that changes no view's "
                  "input (the first such widget on the page: the rerun computed no view)."]  # fmt: skip
    if r.browser:
        br = r.browser
        lines += ["", f"#### Chromium, heaviest page ({br['page']})", "",
                  f"- first chart, fresh server: {fmt_value(br.get('cold_s'), 's')}; again in a "
                  f"new session: {fmt_value(br.get('warm_s'), 's')}",
                  f"- server peak resident memory (VmHWM, after opening every page once): "
                  f"{fmt_value(br.get('server_peak_mb'), 'MB')}"]  # fmt: skip
    if r.pandas:
        lines += ["", "#### Against the pandas way (same run: pandas reads the CSVs and "
                  "computes; Wellpath runs the page's query on a newly opened connection, as the "
                  "dashboard does on the connection it holds; opening the file is shown apart)",
                  ""]  # fmt: skip
        lines.append(markdown_table(
            ["computation", "Wellpath query", "pandas", "Wellpath", "ratio", ">= 10x",
             "opening the file", "ratio with the opening", "answers"],
            [[p["label"], p["query"], fmt_value(p["pandas_s"], "s"), fmt_value(p["sql_s"], "s"),
              fmt_value(p["ratio"], "x"), TARGETS["pandas"].judge(p["ratio"])[0],
              fmt_value(p.get("open_s"), "s"), fmt_value(p.get("ratio_with_open"), "x"),
              "agree" if p["agree"] else f"differ: {p['problem']}"] for p in r.pandas],
        ))  # fmt: skip
    if r.queries:
        slow = sorted(r.queries, key=lambda q: -(q["seconds"] if q["seconds"] is not None else 1e9))
        lines += ["", f"#### The ten slowest of {len(r.queries)} queries (all practices, 12 "
                  "months, one run each on one connection)", ""]  # fmt: skip
        lines.append(markdown_table(
            ["query", "time", "rows"],
            [[q["query"], fmt_value(q["seconds"], "s") if q["seconds"] is not None
              else "cut off", f"{q['rows']:,}"] for q in slow[:10]],
        ))  # fmt: skip
    if r.spc:
        c = r.spc
        lines += ["", f"SPC: `wellpath.spc.xmr_many` over {c['series']:,} practice series, "
                  f"{c['points']:,} points: best {c['best_s'] * 1000:.0f} ms, median "
                  f"{c['median_s'] * 1000:.0f} ms of 5."]  # fmt: skip
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", choices=["demo", "icb", "national"], default="icb")
    parser.add_argument("--db", type=Path, default=None,
                        help="DuckDB file to reuse or build (default data/bench/<scale>/)")  # fmt: skip
    parser.add_argument("--runs", type=int, default=3, help="cold runs per page (median)")
    parser.add_argument("--port", type=int, default=8630, help="port for the Chromium server")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                        help="the batch's reference date when it is built (default: today)")  # fmt: skip
    parser.add_argument("--skip", default="",
                        help="steps to leave out: monthly,pandas,queries,spc,pages,browser (comma-separated)")  # fmt: skip
    parser.add_argument("--no-doc", action="store_true", help="do not write docs/performance.md")
    parser.add_argument("--load", action="store_true",
                        help="run the load test (scripts/load_test.py) instead")  # fmt: skip
    parser.add_argument("--sessions", type=int, default=20, help="load test: browser sessions")
    parser.add_argument("--seconds", type=int, default=60, help="load test: how long")
    parser.add_argument("--browsers", type=int, default=0,
                        help="load test: sessions in a headless Chromium (the rest speak its "
                        "websocket protocol)")  # fmt: skip


def main(args: argparse.Namespace) -> int:
    root = BENCH_ROOT / args.scale
    db_path = (args.db or root / "wellpath.duckdb").expanduser().resolve()
    if args.load:
        sys.path.insert(0, str(REPO / "scripts"))
        import load_test

        return load_test.main(
            ["--db", str(db_path), "--sessions", str(args.sessions), "--seconds",
             str(args.seconds), "--port", str(args.port + 1), "--scale", args.scale,
             "--browsers", str(args.browsers)]
            + ([] if not args.no_doc else ["--no-doc"])
        )  # fmt: skip
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    report = Report(args.scale, machine(), build(args.scale, root, db_path, args.today))
    today = dt.date.fromisoformat(report.build["today"])
    b = report.build
    say(f"batch {fmt_value(b.get('batch_seconds'), 's')}, import "
        f"{fmt_value(b.get('import_seconds'), 's')} (peak {fmt_value(b.get('import_peak_mb'), 'MB')})")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="wellpath-bench-") as tmp:
        if "monthly" not in skip:
            say("monthly batch")
            report.monthly = time_monthly(root / "batch", db_path, today, Path(tmp))
            say(f"  {report.monthly}")
    if "pandas" not in skip:
        say("the pandas way")
        report.pandas = compare_pandas(root / "batch", db_path, today, max(1, min(args.runs, 3)))
    if "queries" not in skip:
        say("every query")
        report.queries = time_queries(db_path, today)
    if "spc" not in skip:
        report.spc = time_spc()
    pages = dashboard_pages()
    if "pages" not in skip:
        say(f"pages ({args.runs} cold runs each)")
        report.pages = time_pages(db_path, args.runs, pages)
    if "browser" not in skip:
        timed = [p for p in report.pages if p["cold_s"] is not None and p["charts"]]
        heaviest = max(timed, key=lambda p: p["cold_s"])["page"] if timed else pages[0][0]
        say(f"Chromium: {heaviest}")
        no_chart = frozenset(p["page"] for p in report.pages if not p["charts"])
        report.browser = browser_times(
            db_path, args.port, heaviest, [p for p, _ in pages], no_chart
        )
        say(f"  {report.browser}")
    text = render(report)
    print(text)
    if not args.no_doc:
        write_doc("bench", text)
        say(f"written to {DOC}")
    (root / "last_run.json").write_text(json.dumps(report.__dict__, indent=2, default=str))
    return 0


def _child_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--page-child", required=True)
    parser.add_argument("--warm", type=int, default=3)
    parser.add_argument("--profile", type=Path, default=None)
    a = parser.parse_args(argv)
    print(json.dumps(page_child(a.page_child, a.warm, a.profile)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
