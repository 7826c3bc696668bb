"""Loading one batch: file checks, row rules in DuckDB, upserts, bookkeeping, derived tables.

Everything is written into a private copy of the database (`wellpath.db.writable_copy`) and
swapped in at the end, or, in a DuckLake, in one transaction committed at the end
(`wellpath.db.writer`), so a refused batch or a crash changes nothing, and readers are never
blocked. Tables are loaded parents first, so a child's foreign key is checked against the
parent table as it will be after this batch (rows already loaded plus this batch's accepted
rows), and a child whose parent row was rejected in this batch is rejected saying so.
"""

# SQL is built from the contract's own table and column names, never from file input.
# ruff: noqa: S608

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import tempfile
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

import duckdb

from wellpath import contract, db
from wellpath import lake as lake_backend
from wellpath.importer import limits, rules
from wellpath.importer.sources import BatchRefused, PreparedBatch, SourceFile, prepare

Progress = Callable[[float, str], None]


@dataclass
class ImportResult:
    """What a loaded batch did, per contract table name."""

    batch_id: str
    status: str  # loaded, loaded_with_rejections, unchanged
    loaded: dict[str, int]  # rows accepted (inserted, updated or identical to what was there)
    rejected: dict[str, int]  # rows rejected (each listed in rejected_rows once per rule)
    changed: dict[str, int] = field(default_factory=dict)  # accepted rows new or different
    warnings: list[str] = field(default_factory=list)
    source_name: str = ""


def _new_batch_id(now: dt.datetime) -> str:
    return f"{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


def _csv_problem(message: str, header_fields: int) -> str:
    """DuckDB's CSV error in words, without the offending line itself (it may hold data)."""
    line = re.search(r"CSV Error on Line: (\d+)", message)
    where = f"line {line.group(1)} of the file" if line else "a line of the file"
    found = re.search(r"Expected Number of Columns: \d+ Found: (\d+)", message)
    if found:
        return (
            f"the file cannot be read as CSV with commas: {where} has more than "
            f"{header_fields + rules.EXTRA_FIELDS} fields, far more than the {header_fields} in "
            "the header row (are values with commas in double quotes?)"
        )
    size = re.search(r"Maximum line size of (\d+) bytes exceeded\. Actual Size:\s*(\d+)", message)
    if size:
        return (
            f"{where} is {int(size.group(2)):,} bytes long; a line may be at most "
            f"{int(size.group(1)):,} bytes (no value in the contract needs more than a few "
            "hundred characters: is a document or picture pasted into a cell?); remove it "
            "and send the file again"
        )
    if "unterminated quote" in message.lower():
        return (
            f"the file cannot be read as CSV with commas: {where} opens a double quote that "
            "is never closed"
        )
    return (
        f"the file cannot be read as CSV with commas: {where} is not valid CSV (for example a "
        "stray line-break character or double quote inside a value that is not in quotes); "
        "save it again from Excel as 'CSV UTF-8' and send it again"
    )


def is_memory_error(exc: BaseException) -> bool:
    """DuckDB ran out of memory (its limit, or the process's), whatever the error's class."""
    if isinstance(exc, MemoryError | duckdb.OutOfMemoryException):
        return True
    text = str(exc).lower()
    return "out of memory" in text or "could not allocate" in text or "bad_alloc" in text


def _stage(con: duckdb.DuckDBPyConnection, f: SourceFile) -> None:
    columns = (
        "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in rules.sent_columns(f.header, f.width)) + "}"
    )
    sql = (
        f"create or replace temp table stg_{f.table} as select * from read_csv($path, "
        f"columns={columns}, header=true, auto_detect=false, delim=',', quote='\"', "
        "escape='\"', null_padding=true, strict_mode=true PARALLEL)"
    )
    # The file's rows must keep their order here (a row's number is its place in the file);
    # nothing after this needs any order, so the rest of the import runs without it.
    con.execute("set preserve_insertion_order = true")
    try:
        try:
            con.execute(sql.replace(" PARALLEL", ""), {"path": str(f.path)})
        except duckdb.Error as exc:
            # A quoted value holding a line break (an address, a note) cannot be read by the
            # parallel scanner with null_padding: read that file on one thread instead.
            if "parallel" not in str(exc):
                raise
            con.execute(sql.replace(" PARALLEL", ", parallel=false"), {"path": str(f.path)})
    except duckdb.Error as exc:
        if is_memory_error(exc):
            raise  # not the file's fault: said as what it is (see worker.OUT_OF_MEMORY)
        raise BatchRefused(f.sent_name, _csv_problem(str(exc), f.width)) from exc
    finally:
        # A lake import is one transaction, aborted by a failed read: the batch is being
        # refused and rolled back, and the refusal is what must reach the sender.
        with contextlib.suppress(duckdb.TransactionException):
            con.execute("set preserve_insertion_order = false")


def _check_rejections(
    con: duckdb.DuckDBPyConnection, f: SourceFile, rejected: int, sent: int, before: int
) -> None:
    """Refuse the batch when so many rows break rules that the export itself must be wrong."""
    too_many = before + rejected > limits.MAX_REJECTED_ROWS
    too_large_a_share = (
        sent >= limits.REJECTED_SHARE_FROM_ROWS and rejected > limits.MAX_REJECTED_SHARE * sent
    )
    if not (too_many or too_large_a_share):
        return
    top = con.execute(
        f"select coalesce(column_name, '(the whole row)'), count(distinct _row) as n "
        f"from viol_{f.table} group by all order by n desc, 1 limit 3"
    ).fetchall()
    columns = "; ".join(f"{name}: {n:,} rows" for name, n in top)
    limit = (
        f"a batch may reject at most {limits.MAX_REJECTED_ROWS:,} rows"
        if too_many
        else f"a file may reject at most {limits.MAX_REJECTED_SHARE:.0%} of its rows"
    )
    raise BatchRefused(
        f.sent_name,
        f"{rejected:,} of its {sent:,} rows break the contract's rules (most in {columns}); "
        f"{limit}, so the export itself looks wrong (a shifted column, a date format) and the "
        "whole batch was refused. Fix the export and send it again",
    )


def _load_table(
    con: duckdb.DuckDBPyConnection,
    f: SourceFile,
    batch_id: str,
    today: dt.date,
    rejected_so_far: int = 0,
    touched: Touched | None = None,
) -> tuple[int, int, int]:
    """Check and load one file. Returns (accepted, rejected, changed) row counts."""
    touched = touched or Touched()
    table = contract.table(f.table)
    header = f.header
    _stage(con, f)
    con.execute(rules.check_table_sql(table, header, f.width))
    con.execute(rules.violation_table_sql(table))
    for sql in rules.violations_sql(table, header):
        con.execute(sql, {"today": today} if "$today" in sql else None)
    con.execute(rules.duplicate_sql(table, header))
    for col in table.columns:
        if col.references:
            con.execute(rules.reference_sql(table, header, col))
    for sql in rules.cross_table_sql(table, header):
        con.execute(sql)
    con.execute(rules.misaligned_rows_sql(table))
    # The rejected rows' cells as sent, before the staged file goes.
    con.execute(rules.raw_cells_sql(table, header))
    con.execute(f"drop table stg_{table.name}")
    con.execute(rules.accepted_view_sql(table))

    (before,) = con.execute(f"select count(*) from {table.name}").fetchone()
    (accepted,) = con.execute(f"select count(*) from ok_{table.name}").fetchone()
    if db.is_lake(con) or not _has_primary_key(con, table.name):
        changed = _merge(con, table, empty=before == 0)
    else:
        if table.name in REFERRAL_INPUTS:
            touched.exact = False  # which referrals it changes is not worked out here
        # A file built before the contract tables lost their primary keys.
        changed = (
            accepted if before == 0 else con.execute(rules.changed_count_sql(table)).fetchone()[0]
        )
        if changed:
            con.execute(rules.upsert_sql(table, empty=before == 0))

    con.execute(rules.rejected_keys_sql(table))
    (rejected,) = con.execute(f"select count(distinct _row) from viol_{table.name}").fetchone()
    (sent,) = con.execute(f"select count(*) from chk_{table.name}").fetchone()
    _check_rejections(con, f, int(rejected), int(sent), rejected_so_far)
    if rejected:
        # A file sent again unchanged: its rejections are recorded once, under this batch.
        con.execute(
            "delete from rejected_rows where table_name = $table and batch_id in (select "
            "batch_id from import_batches where json_transform(file_checksums, "
            "'\"MAP(VARCHAR, VARCHAR)\"')[$name] = $sha)",
            {"table": table.name, "name": f.checksum_name, "sha": f.checksum},
        )
        insert, params = rules.raw_row_sql(table, header, f.width)
        # Stored in the order of the file's rows (a few thousand at most).
        con.execute("set preserve_insertion_order = true")
        con.execute(insert, {**params, "batch_id": batch_id})
        con.execute("set preserve_insertion_order = false")
    con.execute(f"drop view ok_{table.name}")
    con.execute(f"drop table chk_{table.name}")
    con.execute(f"drop table viol_{table.name}")
    con.execute(f"drop table raw_{table.name}")
    return int(accepted), int(rejected), int(changed)


def _has_primary_key(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    (n,) = con.execute(
        "select count(*) from duckdb_constraints() where database_name = current_database() "
        "and schema_name = current_schema() and table_name = $t "
        "and constraint_type = 'PRIMARY KEY'",
        {"t": name},
    ).fetchone()
    return bool(n)


# The tables the per-referral derived tables are built from (see wellpath.db.apply_derived),
# and the share of all referrals past which a batch rebuilds them whole.
REFERRAL_INPUTS = ("patients", "referrals", "contacts", "goals", "assessments")
REBUILD_WHOLE_SHARE = 0.2
TOUCHED = "derive_referrals"  # the temporary table of the referrals a batch touched


@dataclass
class Touched:
    """Whether every referral the batch touched is in the TOUCHED table."""

    exact: bool = True


def _note_touched(con: duckdb.DuckDBPyConnection, table: contract.Table, rows: str) -> None:
    """Add to TOUCHED the referrals whose rows `rows` (new or replaced rows of `table`, or the
    rows about to be replaced) hold, or, for patients, the referrals of those patients."""
    if table.name not in REFERRAL_INPUTS:
        return
    if table.name == "patients":
        con.execute(
            f"insert into {TOUCHED} select referral_id from referrals "
            f"where patient_id in (select patient_id from {rows})"
        )
    else:
        con.execute(f"insert into {TOUCHED} select referral_id from {rows}")


def _merge(con: duckdb.DuckDBPyConnection, table: contract.Table, empty: bool) -> int:
    """The contract tables hold no primary keys (nor can a lake's): keys are the importer's
    to keep, as a file's accepted rows have one row per key (`rules.duplicate_sql`). The
    accepted rows that are new or different are deleted by key and inserted again, in one
    set-wise statement each, inside the import's write (so a reader never sees the key
    missing); into an empty table they are simply appended. Returns how many there were."""
    cols = ", ".join(rules.ident(c) for c in table.column_names)
    if empty:
        (changed,) = con.execute(f"select count(*) from ok_{table.name}").fetchone()
        if changed:
            _note_touched(con, table, f"ok_{table.name}")
            con.execute(f"insert into {table.name} ({cols}) select {cols} from ok_{table.name}")
        return int(changed)
    on = " and ".join(f"t.{rules.ident(k)} = o.{rules.ident(k)}" for k in table.key)
    same = " and ".join(
        f"o.{rules.ident(c)} is not distinct from t.{rules.ident(c)}" for c in table.column_names
    )
    con.execute(
        f"create or replace temp table chg_{table.name} as select o.* from ok_{table.name} o "
        f"left join {table.name} t on {on} "
        f"where t.{rules.ident(table.key[0])} is null or not ({same})"
    )
    (changed,) = con.execute(f"select count(*) from chg_{table.name}").fetchone()
    if changed:
        by_key = " and ".join(
            f"{table.name}.{rules.ident(k)} = c.{rules.ident(k)}" for k in table.key
        )
        # The rows replaced (a contact may move to another referral) and their replacements.
        _note_touched(
            con,
            table,
            f"(select t.* from {table.name} t join chg_{table.name} o on {on})",
        )
        _note_touched(con, table, f"chg_{table.name}")
        con.execute(f"delete from {table.name} using chg_{table.name} c where {by_key}")
        con.execute(f"insert into {table.name} ({cols}) select {cols} from chg_{table.name}")
    con.execute(f"drop table chg_{table.name}")
    return int(changed)


def _by_referral(con: duckdb.DuckDBPyConnection, touched: Touched) -> str | None:
    """TOUCHED when the batch touched few enough referrals to rebuild them alone."""
    if not touched.exact:
        return None
    (n,) = con.execute(f"select count(distinct referral_id) from {TOUCHED}").fetchone()
    (total,) = con.execute("select count(*) from referrals").fetchone()
    return TOUCHED if n <= REBUILD_WHOLE_SHARE * total else None


def _name(target: db.Target) -> str:
    return target.name if isinstance(target, Path) else "the lake"


def _empty_rejected_keys(con: duckdb.DuckDBPyConnection) -> None:
    for table in contract.TABLES:
        cols = ", ".join(rules.ident(k) for k in table.key)
        con.execute(
            f"create or replace temp table rej_{table.name} as select {cols} from {table.name} limit 0"
        )


def own_database_steps(db_path: Path | lake_backend.Lake) -> str:
    """How to start the service's own database, in words (the page adds a button)."""
    if isinstance(db.target_for(db_path), lake_backend.Lake):
        return (
            "give the service's own data a lake of its own (another WELLPATH_CATALOG database "
            "or WELLPATH_CATALOG_SCHEMA, and another WELLPATH_DATA_PATH; see "
            "docs/deployment.md) and import into that"
        )
    new = db.own_database_suggestion(db_path)
    return (
        f"start the service's own database with `python -m wellpath init --db {new}` (or the "
        "'Start your service's own database' button on the Import data page), import into it "
        f"with `python -m wellpath import FOLDER --db {new}`, and run the dashboard with "
        f"WELLPATH_DB={new}"
    )


def _check_kind(con: duckdb.DuckDBPyConnection, db_path: db.Target, is_demo: bool) -> None:
    """A database is the demo world or a service's own data, never both."""
    kind = db.database_kind(con)
    if kind == db.DEMO and not is_demo:
        raise BatchRefused(
            _name(db_path),
            "this database holds Wellpath's invented demo world, and a service's own files "
            "are never mixed into it (the demo's people would stay and its practices be "
            f"renamed); {own_database_steps(db_path)}",
        )
    if kind == db.OWN and is_demo:
        raise BatchRefused(
            _name(db_path),
            "this database holds a service's own data; the demo world is never built into "
            "it. Build the demo into another file: python -m wellpath demo --db demo.duckdb",
        )
    if kind is None:
        db.set_database_kind(con, db.DEMO if is_demo else db.OWN)


def _run(
    batch: PreparedBatch,
    db_path: db.Target,
    run_by: str | None,
    is_demo: bool,
    progress: Progress | None,
    source_name: str,
    options: dict | None = None,
) -> ImportResult:
    now = dt.datetime.now().replace(microsecond=0)
    batch_id = _new_batch_id(now)
    loaded: dict[str, int] = {}
    rejected: dict[str, int] = {}
    changed: dict[str, int] = {}
    total = len(batch.files)
    with db.writer(db_path, commit_message=batch_id, **(options or {})) as con:
        db.import_settings(con)
        _check_kind(con, db_path, is_demo)
        _empty_rejected_keys(con)
        con.execute(f"create or replace temp table {TOUCHED} (referral_id varchar)")
        touched = Touched()
        for i, (name, f) in enumerate(batch.files.items()):
            if progress:
                progress(i / (total + 1), f"checking and loading {name}")
            loaded[name], rejected[name], changed[name] = _load_table(
                con, f, batch_id, now.date(), sum(rejected.values()), touched
            )
        if not any(changed.values()):
            status = "unchanged"
        elif any(rejected.values()):
            status = "loaded_with_rejections"
        else:
            status = "loaded"
        con.execute(
            "insert into import_batches (batch_id, imported_at, source_name, file_checksums, "
            "rows_loaded, rows_rejected, rows_loaded_total, rows_rejected_total, status, run_by, "
            "is_demo, snapshot_id) values ($batch_id, $imported_at, $source_name, $checksums, "
            "$loaded, $rejected, $loaded_total, $rejected_total, $status, $run_by, $is_demo, "
            "$snapshot_id)",
            {
                "batch_id": batch_id,
                "imported_at": now,
                "source_name": source_name,
                "checksums": json.dumps(batch.checksums, sort_keys=True),
                "loaded": json.dumps(loaded),
                "rejected": json.dumps(rejected),
                "loaded_total": sum(loaded.values()),
                "rejected_total": sum(rejected.values()),
                "status": status,
                "run_by": run_by,
                "is_demo": is_demo,
                # The DuckLake snapshot this import commits (None for a DuckDB file).
                "snapshot_id": (
                    lake_backend.snapshot_in_transaction(con) if db.is_lake(con) else None
                ),
            },
        )
        if progress:
            progress(total / (total + 1), "rebuilding derived tables")
        # Only what the batch can have changed (an unchanged batch rebuilds nothing), and for
        # a small batch only the referrals it touched; built in order, as they always were.
        con.execute("set preserve_insertion_order = true")
        db.apply_derived(
            con, {name for name, n in changed.items() if n}, _by_referral(con, touched)
        )
    if progress:
        progress(1.0, "done")
    return ImportResult(
        batch_id, status, loaded, rejected, changed, list(batch.warnings), source_name
    )


def import_batch(
    source: str | Path,
    db_path: str | Path,
    *,
    run_by: str | None = None,
    is_demo: bool = False,
    progress: Progress | None = None,
    wait: float | None = None,
    on_wait: Callable[[str], None] | None = None,
    memory_limit: str | None = None,
) -> ImportResult:
    """Validate and load a batch (a folder of CSVs, a .zip of them, or an .xlsx workbook).

    Raises BatchRefused (nothing changed) when a file-level rule fails; rows that break a
    row rule are kept in rejected_rows and the rest load.
    """
    source = Path(source)
    with tempfile.TemporaryDirectory(prefix="wellpath-import-") as tmp:
        batch = prepare(source, Path(tmp))
        options = {
            "wait": wait,
            "on_wait": on_wait,
            "memory_limit": memory_limit or limits.IMPORT_DUCKDB_MEMORY,
        }
        target = db.target_for(db_path)
        return _run(batch, target, run_by, is_demo, progress, source.name, options)


def import_uploads(
    files: Sequence[tuple[str, bytes]],
    db_path: str | Path,
    *,
    run_by: str | None = None,
    wait: float | None = None,
    on_wait: Callable[[str], None] | None = None,
    memory_limit: str | None = None,
) -> ImportResult:
    """Load uploaded files (several CSVs, or one .zip, or one .xlsx) as one batch.

    The Import data page does not call this in its own process: see `worker.run_upload`."""
    if not files:
        raise BatchRefused("(no files)", "choose the files to import first")
    total = sum(len(content) for _, content in files)
    if total > limits.MAX_UPLOAD_BYTES:
        raise BatchRefused(
            "(the upload)",
            f"the files come to {limits.size(total)}; an upload may be at most "
            f"{limits.size(limits.MAX_UPLOAD_BYTES)} (send larger batches with the command "
            "line: python -m wellpath import FOLDER)",
        )
    names = [PurePath(name).name for name, _ in files]
    with tempfile.TemporaryDirectory(prefix="wellpath-upload-") as tmp:
        root = Path(tmp)
        archives = [n for n in names if n.lower().endswith((".zip", ".xlsx", ".xlsm"))]
        if archives:
            if len(files) > 1:
                raise BatchRefused(
                    archives[0],
                    "send one .zip or one .xlsx on its own, or several CSV files, not both",
                )
            path = root / names[0]
            path.write_bytes(files[0][1])
            source_name = names[0]
        else:
            path = root / "upload"
            path.mkdir()
            seen: set[str] = set()
            for name, content in zip(names, (c for _, c in files), strict=True):
                if name.lower() in seen:
                    raise BatchRefused(name, "the same file name was uploaded twice")
                seen.add(name.lower())
                (path / name).write_bytes(content)
            source_name = ", ".join(names)
        work = root / "work"
        work.mkdir()
        batch = prepare(path, work, limits.MAX_UPLOAD_INFLATED_BYTES)
        options = {
            "wait": wait,
            "on_wait": on_wait,
            "memory_limit": memory_limit or limits.IMPORT_DUCKDB_MEMORY,
        }
        return _run(batch, db.target_for(db_path), run_by, False, None, source_name, options)
