"""The demo world: the Newcastle PPS pilot as it would look today, loaded through the importer.

`build(db_path)` generates the world (wellpath.demo.world), writes it as a batch of contract
CSV files (wellpath.demo.write), plants a handful of rows the importer must reject (so the Data
quality page has something to show), and imports the batch with the real importer, so the demo
exercises the same path as a service's own export. Same seed and reference date, same bytes.

Scales: `demo` (4 pilot practices, 3 comparison practices, about 1,600 referrals), `icb`
(about 300 practices, 100,000 referrals) and `national` (about 6,300 practices, 2.5 million
referrals) for benchmarks; the big scales plant no flaws.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from wellpath.demo.world import SCALES, Flaw, World, generate, generate_chunks
from wellpath.demo.write import (
    Patches,
    fixed_widths,
    format_id,
    id_widths,
    write_chunks,
    write_tables,
)

__all__ = [
    "DEFAULT_SEED",
    "SCALES",
    "Flaw",
    "build",
    "generate",
    "make_batch",
    "planted_flaws",
    "write_batch",
]

DEFAULT_SEED = 20240401  # the pilot's first day; any fixed number would do
Progress = Callable[[float, str], None]


def _nhs_number(rng: np.random.Generator) -> str:
    """A 10-digit number passing the NHS Modulus 11 check, typed with spaces (3 3 4)."""
    while True:
        digits = [int(d) for d in rng.integers(1, 10, 9)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            s = "".join(map(str, digits)) + str(check)
            return f"{s[:3]} {s[3:6]} {s[6:]}"


def _plant(world: World, seed: int) -> Patches:
    """Deliberate flaws of the kinds real exports have, each on a row chosen at random.

    Each is one rejected row, except the missing discharge reason: its referral's contacts,
    goals and questionnaires are rejected with it (children of a rejected parent), recorded
    as that flaw's cascade so tests know exactly what the importer should refuse.
    """
    rng = np.random.default_rng([seed, 1])
    t = world.tables
    widths = id_widths(t)
    patches = Patches()
    flaws: list[Flaw] = []
    ref, con, goals, asm = t["referrals"], t["contacts"], t["goals"], t["assessments"]
    ref_day = (ref["referral_date"].to_numpy().astype("datetime64[D]")).astype("int64")
    rid = ref["referral_id"].to_numpy()
    used: set[int] = set()

    def choose(candidates: np.ndarray) -> int:
        candidates = np.array([c for c in candidates if int(c) not in used])
        pick = int(candidates[rng.integers(0, len(candidates))])
        used.add(pick)
        return pick

    # 1. An impossible date typed in the UK form, on a referral triage found not eligible.
    row = choose(np.flatnonzero(ref["triage_outcome"].to_numpy() == "not_eligible"))
    patches.cells.setdefault("referrals", []).append((row, "referral_date", "31/02/2025"))
    flaws.append(
        Flaw("referrals", format_id("R", rid[row], widths), "referral_date", "31 February")
    )

    # 2. A discharge with no reason recorded: the referral and everything under it.
    closed = ref["discharge_date"].notna().to_numpy()
    children = np.bincount(con["referral_id"].to_numpy(), minlength=len(ref) + 1)[rid]
    # Someone who never attended keeps the cascade short: a missed appointment or three.
    never = ref["first_contact_date"].isna().to_numpy()
    row = choose(np.flatnonzero(closed & never & (children > 0) & (children <= 3)))
    patches.cells["referrals"].append((row, "discharge_reason", None))
    key = rid[row]
    cascade = {
        "contacts": [
            format_id("C", x, widths) for x in con.loc[con.referral_id == key, "contact_id"]
        ],
        "goals": [
            format_id("G", x, widths) for x in goals.loc[goals.referral_id == key, "goal_id"]
        ],
        "assessments": [
            format_id("A", x, widths) for x in asm.loc[asm.referral_id == key, "assessment_id"]
        ],
    }
    flaws.append(
        Flaw("referrals", format_id("R", key, widths), "discharge_reason", "no reason", cascade)
    )

    # 3. A contact typed with last year's date, so it falls before its referral.
    c_ref = con["referral_id"].to_numpy()
    later = np.flatnonzero(
        (con["attendance"].to_numpy() == "attended")
        & (np.r_[False, c_ref[1:] == c_ref[:-1]])  # not a referral's first contact
        & ~np.isin(c_ref, [rid[i] for i in used])
    )
    row = int(later[rng.integers(0, len(later))])
    day = pd.Timestamp(con["contact_date"].iloc[row])
    wrong = day.replace(year=day.year - 1) if not (day.month == 2 and day.day == 29) else day
    wrong = min(wrong, pd.Timestamp(int(ref_day[c_ref[row] - 1]) - 1, unit="D"))
    patches.cells.setdefault("contacts", []).append((row, "contact_date", f"{wrong:%Y-%m-%d}"))
    flaws.append(
        Flaw("contacts", format_id("C", con["contact_id"].iloc[row], widths), "contact_date",
             "before its referral")
    )  # fmt: skip
    used.add(int(c_ref[row]) - 1)

    # 4. A PSEQ answer typed as 7 (answers run 0-6), the form's total adding it up.
    items = [f"item_{i:02d}" for i in range(1, 11)]
    complete = asm[items].notna().all(axis=1).to_numpy() & asm["total"].notna().to_numpy()
    pseq = np.flatnonzero(
        (asm["instrument"].to_numpy() == "PSEQ")
        & complete
        & ~np.isin(asm["referral_id"].to_numpy(), [rid[i] for i in used])
    )
    row = int(pseq[rng.integers(0, len(pseq))])
    old = int(asm["item_03"].iloc[row])
    total = int(asm["total"].iloc[row]) - old + 7
    patches.cells.setdefault("assessments", []).extend(
        [(row, "item_03", "7"), (row, "total", str(total))]
    )
    flaws.append(
        Flaw("assessments", format_id("A", asm["assessment_id"].iloc[row], widths), "item_03",
             "answer out of range")
    )  # fmt: skip
    used.add(int(asm["referral_id"].iloc[row]) - 1)

    # 5. A goal marked achieved with no closing date.
    done = np.flatnonzero(
        (goals["status"].to_numpy() == "achieved")
        & ~np.isin(goals["referral_id"].to_numpy(), [rid[i] for i in used])
    )
    row = int(done[rng.integers(0, len(done))])
    patches.cells.setdefault("goals", []).append((row, "closed_date", None))
    flaws.append(
        Flaw("goals", format_id("G", goals["goal_id"].iloc[row], widths), "closed_date",
             "achieved, no closing date")
    )  # fmt: skip

    # 6. An NHS number typed where the pseudonym should be (a comparison-cohort person).
    nhs = _nhs_number(rng)
    patient = {
        "patient_id": nhs,
        "practice_code": str(t["practices"].query("role == 'comparison'").practice_code.iloc[0]),
        "birth_year": "1968",
        "sex": "female",
        "ethnic_group": "white",
        "imd_decile": "2",
        "cohort": "comparison",
    }
    patches.extra_rows["patients"] = [patient]
    flaws.append(Flaw("patients", nhs, "patient_id", "an NHS number"))

    world.flaws = flaws
    return patches


def _resolve(seed: int | None, today: dt.date | None) -> tuple[int, dt.date]:
    return (DEFAULT_SEED if seed is None else int(seed), today or dt.date.today())


def make_batch(
    folder: Path,
    *,
    scale: str = "demo",
    seed: int | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> tuple[Path, list[Flaw]]:
    """Write the batch into `folder` and return it with the flaws planted in it."""
    seed, today = _resolve(seed, today)
    say = progress or (lambda f, m: None)
    sc = SCALES[scale]
    if sc.plant_flaws:  # the whole world at once: flaws are planted on rows chosen from it
        world = generate(scale, seed=seed, today=today, progress=lambda f, m: say(f * 0.7, m))
        patches = _plant(world, seed)
        say(0.7, "writing the CSV batch")
        write_tables(world.tables, Path(folder), patches)
        say(1.0, "batch written")
        return Path(folder), world.flaws
    # Generated and written a chunk at a time: memory is bounded by the chunk, not the scale.
    done = [0.0]

    def generating(fraction: float, message: str) -> None:
        done[0] = fraction
        say(0.95 * fraction, message)

    chunks = generate_chunks(scale, seed=seed, today=today, progress=generating)
    widths = fixed_widths(sc.id_digits) if sc.id_digits else None
    write_chunks(chunks, Path(folder), widths, progress=lambda f, m: say(0.95 * done[0], m))
    say(1.0, "batch written")
    return Path(folder), []


def write_batch(
    folder: Path, *, scale: str = "demo", seed: int | None = None, today: dt.date | None = None
) -> Path:
    """Write the contract CSVs of the demo world into `folder` (created if needed)."""
    return make_batch(folder, scale=scale, seed=seed, today=today)[0]


def planted_flaws(
    *, scale: str = "demo", seed: int | None = None, today: dt.date | None = None
) -> list[Flaw]:
    """The rows planted for the importer to reject, with the child rows rejected with them."""
    seed, today = _resolve(seed, today)
    if not SCALES[scale].plant_flaws:
        return []
    world = generate(scale, seed=seed, today=today)
    _plant(world, seed)
    return world.flaws


def build(
    db_path: Path,
    *,
    scale: str = "demo",
    seed: int | None = None,
    today: dt.date | None = None,
    keep_batch: Path | None = None,
    progress: Progress | None = None,
):
    """Generate the world, write it as a batch and import it with the real importer.

    Returns the importer's ImportResult. `keep_batch` keeps the CSV files in that folder;
    otherwise they are written to a temporary folder and removed.
    """
    from wellpath.importer import import_batch

    say = progress or (lambda f, m: None)
    with tempfile.TemporaryDirectory(prefix="wellpath-demo-") as tmp:
        folder = Path(keep_batch) if keep_batch else Path(tmp) / "batch"
        make_batch(
            folder, scale=scale, seed=seed, today=today, progress=lambda f, m: say(f * 0.5, m)
        )
        return import_batch(
            folder,
            Path(db_path),
            run_by="demo",
            is_demo=True,
            progress=lambda f, m: say(0.5 + 0.5 * f, m),
        )
