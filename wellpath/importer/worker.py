"""Imports from the Import data page run here, in a process of their own with a memory limit.

The dashboard is one process shared by every user: an upload that inflates to gigabytes, or
a file DuckDB cannot hold in memory, must not take it down for everyone. So the page writes
the upload to a temporary folder and starts `python -m wellpath.importer.worker` on it, with
its address space limited (resource.setrlimit) and DuckDB's own memory limit set; the worker
prints one line of JSON (a result, a refusal or a plain message) and the page shows it. A
worker that dies (out of memory, killed) is reported in words; its temporary copy of the
database is removed by the next import (wellpath.db.clean_leftovers).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path, PurePath

from wellpath.importer import limits

PROJECT_ROOT = Path(__file__).resolve().parents[2]

OUT_OF_MEMORY = (
    "the import ran out of memory (an import from the page may use {limit}) and was "
    "stopped; nothing was changed. Send the batch in smaller parts, or import it with the "
    "command line (python -m wellpath import FOLDER), which has no such limit"
)


@dataclass
class Outcome:
    """What the worker reported: exactly one of result, refused and error is set."""

    result: object | None = None  # an ImportResult
    refused: object | None = None  # a BatchRefused
    error: str | None = None  # a plain sentence: out of memory, another import running...


#: What a worker's standard error says when it ran out of (address-space) memory.
OUT_OF_MEMORY_SIGNS = (
    "memoryerror",
    "out of memory",
    "cannot allocate",
    "bad_alloc",
    "failed to map segment",
    "can't start new thread",
)


def _limit_memory(memory_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


def run_upload(
    files: list[tuple[str, bytes]],
    db_path: Path,
    run_by: str | None,
    *,
    memory_bytes: int = limits.WORKER_MEMORY_BYTES,
    wait: float = limits.LOCK_WAIT_SECONDS,
    timeout: float = 3600,
) -> Outcome:
    """Import uploaded files in a worker process; never raises for what a file does."""
    from wellpath.importer.load import ImportResult
    from wellpath.importer.sources import BatchRefused

    total = sum(len(c) for _, c in files)
    if total > limits.MAX_UPLOAD_BYTES:  # refused before a byte is written to disk
        return Outcome(
            refused=BatchRefused(
                "(the upload)",
                f"the files come to {limits.size(total)}; an upload may be at most "
                f"{limits.size(limits.MAX_UPLOAD_BYTES)} (send larger batches with the "
                "command line: python -m wellpath import FOLDER)",
            )
        )
    with tempfile.TemporaryDirectory(prefix="wellpath-upload-") as tmp:
        folder = Path(tmp)
        names = []
        for i, (name, content) in enumerate(files):
            # Stored under a number: the name as sent may hold anything.
            (folder / f"{i}.bin").write_bytes(content)
            names.append(PurePath(name).name)
        (folder / "names.json").write_text(json.dumps(names), encoding="utf-8")
        cmd = [
            sys.executable,
            "-m",
            "wellpath.importer.worker",
            str(folder),
            "--db",
            str(db_path),
            "--wait",
            str(wait),
            "--memory",
            str(memory_bytes),
        ]
        if run_by:
            cmd += ["--run-by", run_by]
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
        try:
            done = subprocess.run(  # noqa: S603 - our own module, arguments we built
                cmd,
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=PROJECT_ROOT,
                env=env,
                preexec_fn=lambda: _limit_memory(memory_bytes),  # noqa: PLW1509
            )
        except subprocess.TimeoutExpired:
            return Outcome(
                error=f"the import took longer than {timeout / 60:.0f} minutes and was stopped; nothing was changed"
            )
    report = None
    for text in reversed(done.stdout.strip().splitlines()):
        try:
            report = json.loads(text)
            break
        except ValueError:
            continue
    if isinstance(report, dict) and "result" in report:
        return Outcome(result=ImportResult(**report["result"]))
    if isinstance(report, dict) and "refused" in report:
        r = report["refused"]
        return Outcome(refused=BatchRefused(r["file"], r["rule"], r.get("column")))
    if isinstance(report, dict) and "error" in report:
        return Outcome(error=report["error"])
    err = done.stderr.lower()
    # Under the address-space limit the worker can also fail to load a shared library or
    # to start a thread (its stack is address space too) before Python sees a MemoryError.
    if any(w in err for w in OUT_OF_MEMORY_SIGNS):
        return Outcome(error=OUT_OF_MEMORY.format(limit=limits.size(memory_bytes)))
    if done.returncode < 0:
        return Outcome(
            error=f"the import was stopped by the system (signal {-done.returncode}), often "
            "because it ran out of memory; nothing was changed"
        )
    return Outcome(
        error="the import stopped unexpectedly; nothing was changed (the details are in the "
        "server's log)"
    )


def _report(payload: dict) -> None:
    sys.stdout.write("\n" + json.dumps(payload, default=str) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wellpath.importer.worker")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--run-by", default=None)
    parser.add_argument("--wait", type=float, default=limits.LOCK_WAIT_SECONDS)
    parser.add_argument("--memory", type=int, default=limits.WORKER_MEMORY_BYTES)
    args = parser.parse_args(argv)
    limits.lower_import_priority()
    try:
        import duckdb

        from wellpath import db
        from wellpath.importer.load import import_uploads, is_memory_error
        from wellpath.importer.sources import BatchRefused

        names = json.loads((args.folder / "names.json").read_text(encoding="utf-8"))
        files = [(n, (args.folder / f"{i}.bin").read_bytes()) for i, n in enumerate(names)]
        try:
            result = import_uploads(
                files,
                args.db,
                run_by=args.run_by,
                wait=args.wait,
                memory_limit=limits.WORKER_DUCKDB_MEMORY,
            )
        except BatchRefused as refused:
            _report(
                {"refused": {"file": refused.file, "rule": refused.rule, "column": refused.column}}
            )
            return 1
        except db.ImportLocked as locked:
            _report({"error": str(locked)})
            return 1
        except duckdb.Error as exc:
            if not is_memory_error(exc):
                raise
            _report(
                {
                    "error": OUT_OF_MEMORY.format(
                        limit=limits.WORKER_DUCKDB_MEMORY.replace("GB", " GB")
                    )
                }
            )
            return 1
        _report({"result": asdict(result)})
        return 0
    except MemoryError:
        _report({"error": OUT_OF_MEMORY.format(limit=limits.size(args.memory))})
        return 1
    except Exception as exc:  # a true message on the page; the details in the server's log
        traceback.print_exc(file=sys.stderr)
        _report(
            {
                "error": f"the import failed unexpectedly ({type(exc).__name__}); nothing was "
                "changed (the details are in the server's log)"
            }
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
