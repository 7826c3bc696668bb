"""What one batch may be: sizes, ratios and rejections past which it is refused.

Documented in docs/data-contract.md ("Limits"). The figures fit both a service's monthly
batch (a few MB) and the national batch the benchmarks build (about 25 million rows, 3 GB of
CSV), with room to spare; a batch beyond them is a mistake or an attack, and is refused with
a sentence naming the limit. Uploads through the page are smaller: large batches go through
the command line.
"""

from __future__ import annotations

MB = 1024 * 1024
GB = 1024 * MB

# Uploads on the Import data page (all files of one upload together).
MAX_UPLOAD_BYTES = 200 * MB
# A .zip: members, each member inflated, all members inflated, and the compression ratio of a
# member (inflated / compressed). CSV compresses 5-15 times, repetitive monthly counts up to
# about 40; a zip bomb thousands of times. The ratio is not applied to small members.
MAX_ZIP_MEMBERS = 1_000
MAX_MEMBER_BYTES = 8 * GB
MAX_INFLATED_BYTES = 16 * GB
MAX_UPLOAD_INFLATED_BYTES = 2 * GB  # a zip uploaded on the page
MAX_RATIO = 200
RATIO_FROM_BYTES = 10 * MB

# Rejected rows: past these the export itself is wrong (a shifted column, a date format), so
# the batch is refused rather than 3.8 million rejected rows stored.
MAX_REJECTED_ROWS = 10_000
MAX_REJECTED_SHARE = 0.5  # of one file's rows...
REJECTED_SHARE_FROM_ROWS = 200  # ...once the file has this many rows

# The import worker the page starts (wellpath.importer.worker): address space and DuckDB's
# own memory limit, and how long it waits for another import to finish.
WORKER_MEMORY_BYTES = 6 * GB
WORKER_DUCKDB_MEMORY = "2GB"
# Any other import (the command line, the demo): DuckDB's own memory limit, so that a national
# batch stays under 4 GB resident (DuckDB spills what does not fit to its temporary folder
# beside the database's private copy, removed with it). Without a limit DuckDB takes 80% of
# the machine's memory (19 GB measured on a 24 GB machine).
IMPORT_DUCKDB_MEMORY = "3GB"
LOCK_WAIT_SECONDS = 30.0
# An import is background work beside people reading pages on the same machine: its process
# lowers its own CPU priority by this much (nice), so a busy machine serves page views
# first. Nothing is slower on a machine that has nothing else to do.
IMPORT_NICE = 10


def lower_import_priority(increment: int = IMPORT_NICE) -> int:
    """Lower this (import) process's CPU priority; return the new niceness (unchanged where
    the platform has no nice)."""
    import os

    try:
        return os.nice(increment)
    except (AttributeError, OSError):
        return 0


def size(n: float) -> str:
    """Bytes in words: 200 MB, 8 GB."""
    if n >= GB:
        return f"{n / GB:,.0f} GB" if n % GB == 0 else f"{n / GB:,.1f} GB"
    return f"{n / MB:,.0f} MB"
