"""The demo world's generator: one vectorised numpy model of a PPS service for every scale.

It simulates people's journeys (referral, triage, wait, contacts, action plan, goals,
questionnaires, discharge) and their monthly healthcare use and pain-medicine issues, and
returns the nine contract tables as pandas DataFrames. Everything is drawn from seeded
`numpy.random.Generator`s in a fixed order, so a seed and a reference date give the same world.

Dates are handled as whole days since 1970-01-01 (int64) and months as months since 1970-01,
converted to dates only at the end; NONE marks an empty date. Work is done per column over
all referrals at once (no per-person Python loops). The national scale is generated a chunk
of practices at a time (`generate_chunks`), each chunk written before the next is drawn, so
its 2.5 million referrals take about a minute and memory stays under 2 GB.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wellpath.demo import v2
from wellpath.demo.reference import NEWCASTLE_POPULATION_BY_IMD_DECILE, PRACTICES

NONE = -1  # an empty date (every real date here is after 1970)
SERVICE_START = dt.date(2024, 4, 1)
EPOCH = dt.date(1970, 1, 1)
DAYS_PER_MONTH = 30.4375

CONDITIONS = np.array(
    ["chronic_pain_msk", "fibromyalgia", "ibs", "functional_neurological",
     "chronic_fatigue", "diffuse_symptoms", "other"]
)  # fmt: skip
CONDITION_P = np.array([0.41, 0.18, 0.12, 0.07, 0.09, 0.11, 0.02])
REFERRER_ROLES = np.array(
    ["gp", "nurse", "physiotherapist", "pharmacist", "mental_health",
     "hospital_clinician", "community_hcp", "self", "other"]
)  # fmt: skip
REFERRER_P = np.array([0.70, 0.08, 0.06, 0.04, 0.03, 0.02, 0.03, 0.02, 0.02])
SEXES = np.array(["female", "male", "other", "unknown"])
SEX_P = np.array([0.68, 0.31, 0.004, 0.006])
# West end of Newcastle (Census 2021 wards Elswick, Benwell & Scotswood, Wingrove: markedly
# more Asian and Black residents than the city as a whole).
ETHNIC_GROUPS = np.array(["white", "mixed", "asian", "black", "other", "not_stated"])
ETHNIC_P = np.array([0.70, 0.03, 0.14, 0.06, 0.04, 0.03])
GOAL_DOMAINS = np.array(
    ["community_groups", "relationships", "specialist_services", "healthy_eating",
     "getting_active", "benefits_welfare", "work_volunteering", "other"]
)  # fmt: skip
GOAL_DOMAIN_W = np.array([0.18, 0.10, 0.10, 0.10, 0.22, 0.12, 0.10, 0.08])
MODES = np.array(["face_to_face", "phone", "video", "home_visit", "group", "text_or_email"])
MODE_MINUTES = np.array([[40, 60], [10, 30], [25, 45], [50, 90], [90, 120], [5, 10]])
ATTENDANCE = np.array(["attended", "dna", "cancelled"])
GOAL_STATUSES = np.array(["open", "achieved", "partly_achieved", "not_achieved", "withdrawn"])

# Journeys of accepted people. Never engaged: accepted but never attended a contact.
NOT_YET, NEVER, EARLY, OTHER_EXIT, COMPLETER = 0, 1, 2, 3, 4
JOURNEY_P = np.array([0.06, 0.22, 0.12, 0.60])  # never, early, other exit, completer
REVIEW_DAYS = np.array([91, 183, 365, 548])  # reviews at about 3, 6, 12 and 18 months

INSTRUMENTS = np.array(["PSEQ", "SWEMWBS", "ONS4", "PSFS", "WBSTAR"])


@dataclass(frozen=True)
class Scale:
    """How big a world to build, and how its service works where scales differ."""

    name: str
    n_practices: int | None  # None: the Newcastle pilot's real practices
    comparison_share: float = 0.1  # synthetic scales: share of practices that are comparison
    comparison_patients_per_practice: int = 200
    rate_multiplier: float = 1.0  # on referrals a month per practice
    months_before: int = 24  # healthcare use and prescriptions before the referral month
    workers_per_team: int = 2  # synthetic scales: link workers per PCN
    extra_contacts: int = 0  # added to every engaged person's planned contacts
    instrument_p: tuple[float, ...] = (1.0, 0.9, 0.7, 0.5, 0.45)  # offered, per INSTRUMENTS
    plant_flaws: bool = True
    # Generate and write this many practices at a time (a multiple of the six practices of a
    # synthetic PCN, so a team's workers and practices share a chunk), so that memory is
    # bounded by the chunk, not the scale; None: the whole world at once. A chunked world
    # needs its id widths fixed in advance (id_digits), as the totals are not yet known
    # when the first rows are written.
    chunk_practices: int | None = None
    id_digits: int | None = None


SCALES: dict[str, Scale] = {
    "demo": Scale("demo", None),
    # Rates tuned so that icb has about 100,000 referrals and national about 2.5 million,
    # 25 million contacts (about 18 per engaged person, as Ways to Wellness reports) and
    # 10 million questionnaires (fewer instruments per person).
    "icb": Scale(
        "icb",
        300,
        comparison_patients_per_practice=150,
        rate_multiplier=1.12,
        months_before=12,
        plant_flaws=False,
    ),
    "national": Scale(
        "national",
        6300,
        comparison_patients_per_practice=40,
        rate_multiplier=1.34,
        months_before=12,
        extra_contacts=10,
        instrument_p=(1.0, 0.9, 0.3, 0.2, 0.2),
        plant_flaws=False,
        chunk_practices=420,  # 15 chunks of about 170,000 referrals: about 1.5 GB at a time
        id_digits=9,  # 25 million contacts need 8; one spare
    ),
}


@dataclass
class Flaw:
    """A row planted to be rejected by the importer, so the Data quality page has something."""

    table: str
    key: str  # the row's primary key (patient_id, referral_id, ...) as written
    column: str
    description: str
    # child rows rejected with it because their parent was: table -> keys
    cascade: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class World:
    tables: dict[str, pd.DataFrame]
    flaws: list[Flaw] = field(default_factory=list)


def day_of(d: dt.date) -> int:
    return (d - EPOCH).days


def to_dates(days: np.ndarray) -> np.ndarray:
    """Days since 1970 to datetime64[D], NONE to NaT."""
    out = np.asarray(days, dtype="int64").astype("datetime64[D]")
    out[np.asarray(days) == NONE] = np.datetime64("NaT")
    return out


def month_of(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of days since 1970-01-01."""
    return (
        np.asarray(days, dtype="int64")
        .astype("datetime64[D]")
        .astype("datetime64[M]")
        .astype("int64")
    )


def month_start_day(months: np.ndarray) -> np.ndarray:
    return (
        np.asarray(months, dtype="int64")
        .astype("datetime64[M]")
        .astype("datetime64[D]")
        .astype("int64")
    )


def weekday(days: np.ndarray) -> np.ndarray:
    """Monday = 0; 1 Jan 1970 was a Thursday."""
    return (np.asarray(days) + 3) % 7


def _pick(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    """n indices drawn with probabilities p (normalised)."""
    p = np.asarray(p, dtype=float)
    return np.searchsorted(np.cumsum(p / p.sum()), rng.random(n), side="right").clip(0, len(p) - 1)


def _int_array(values: np.ndarray, missing: np.ndarray | None = None) -> pd.arrays.IntegerArray:
    values = np.asarray(values, dtype="int64")
    mask = np.zeros(len(values), bool) if missing is None else np.asarray(missing, bool)
    return pd.arrays.IntegerArray(np.where(mask, 0, values), mask)


# ---------------------------------------------------------------- practices and staff


def _practices(scale: Scale, today: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    if scale.n_practices is None:
        rows = [
            {
                "practice_code": p.practice_code,
                "practice_name": p.practice_name,
                "pcn_code": p.pcn_code,
                "pcn_name": p.pcn_name,
                "list_size": p.list_size_on(today),
                "role": p.role,
                "imd_score": p.imd_score_2019,
            }
            for p in PRACTICES
        ]
        return pd.DataFrame(rows)
    n = scale.n_practices
    # Valid ODS pattern (letter + 5 digits), clearly synthetic: 1,000 codes per letter.
    letters = np.array(list("ABCDEFGHJKLMNPY"))
    idx = np.arange(n)
    codes = np.char.add(letters[idx // 1000], np.char.zfill((80000 + idx % 1000).astype(str), 5))
    pcn = idx // 6
    pcn_codes = np.char.add("U", np.char.zfill((10000 + pcn).astype(str), 5))
    list_size = np.round(rng.lognormal(np.log(9000), 0.45, n)).astype(int).clip(1500, 60000)
    role = np.where(rng.random(n) < scale.comparison_share, "comparison", "pilot")
    imd = rng.uniform(8, 60, n)
    return pd.DataFrame(
        {
            "practice_code": codes,
            "practice_name": np.char.add("Synthetic practice ", codes),
            "pcn_code": pcn_codes,
            "pcn_name": np.char.add(np.char.add("Synthetic PCN ", pcn_codes), ""),
            "list_size": list_size,
            "role": role,
            "imd_score": imd,
        }
    )


DEMO_WORKERS = (
    # worker_id, display_name, job_role, fte, start_date (invented people)
    ("LW01", "Aisha Rahman", "link_worker", 1.0, dt.date(2024, 3, 4)),
    ("LW02", "Tom Whitfield", "link_worker", 0.8, dt.date(2024, 3, 18)),
    ("LW03", "Grace Okafor", "health_coach", 0.6, dt.date(2024, 9, 2)),
    ("LW04", "Megan Liddell", "link_worker", 1.0, dt.date(2025, 4, 7)),
)


def _workers(scale: Scale, practices: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Link workers with a team (the demo: one team for the pilot; else one team per PCN)."""
    if scale.n_practices is None:
        return pd.DataFrame(
            {
                "worker_id": [w[0] for w in DEMO_WORKERS],
                "display_name": [w[1] for w in DEMO_WORKERS],
                "job_role": [w[2] for w in DEMO_WORKERS],
                "fte": [w[3] for w in DEMO_WORKERS],
                "start_date": [w[4] for w in DEMO_WORKERS],
                "team": [0] * len(DEMO_WORKERS),
            }
        )
    teams = np.unique(practices["pcn_code"].to_numpy())
    k = scale.workers_per_team
    n = len(teams) * k
    team = np.repeat(np.arange(len(teams)), k)
    ids = np.char.add("LW", np.char.zfill(np.arange(1, n + 1).astype(str), 5))
    start = day_of(SERVICE_START) - rng.integers(0, 60, n)
    return pd.DataFrame(
        {
            "worker_id": ids,
            "display_name": np.char.add("Link worker ", ids),
            "job_role": np.where(rng.random(n) < 0.85, "link_worker", "health_coach"),
            "fte": np.round(rng.uniform(0.6, 1.0, n), 1),
            "start_date": to_dates(start).astype(object),
            "team": team,
        }
    )


def _assign_workers(
    rng: np.random.Generator, workers: pd.DataFrame, team: np.ndarray, day: np.ndarray
) -> np.ndarray:
    """A worker index per referral: one of the team's workers in post on `day`, by FTE."""
    out = np.full(len(team), -1)
    w_team = workers["team"].to_numpy()
    w_start = np.array([day_of(d) for d in workers["start_date"]])
    w_fte = workers["fte"].to_numpy()
    order = np.argsort(team, kind="stable")
    bounds = np.searchsorted(team[order], np.arange(w_team.max() + 2))
    u = rng.random(len(team))
    for t in range(w_team.max() + 1):  # one pass per team, vectorised over its referrals
        rows = order[bounds[t] : bounds[t + 1]]
        if len(rows) == 0:
            continue
        members = np.flatnonzero(w_team == t)
        weight = w_fte[members][None, :] * (w_start[members][None, :] <= day[rows][:, None])
        weight[weight.sum(axis=1) == 0, 0] = 1.0  # nobody in post yet: the first worker
        cum = np.cumsum(weight, axis=1) / weight.sum(axis=1, keepdims=True)
        pick = (cum < u[rows][:, None]).sum(axis=1).clip(0, len(members) - 1)
        out[rows] = members[pick]
    return out


def _imd_deciles(rng: np.random.Generator, imd_score: np.ndarray) -> np.ndarray:
    """IMD deciles from Newcastle's population by decile, tilted by the practice's deprivation.

    A practice scoring above Newcastle's typical 28 draws more people from deciles 1-2, one
    scoring below draws more from 8-10, so the west end looks like the west end.
    """
    pop = np.array(NEWCASTLE_POPULATION_BY_IMD_DECILE, float)
    beta = np.clip((imd_score - 28.0) / 20.0, -1.0, 1.5)
    weights = pop[None, :] * np.exp(-beta[:, None] * np.arange(10)[None, :])
    cum = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    return (cum < rng.random(len(imd_score))[:, None]).sum(axis=1).clip(0, 9) + 1


# ---------------------------------------------------------------- referrals and journeys


@dataclass
class Journeys:
    """Per-referral arrays (all the same length, sorted by referral date)."""

    practice: np.ndarray
    referral_day: np.ndarray
    age: np.ndarray
    condition: np.ndarray
    symptom_months: np.ndarray
    outcome: np.ndarray  # index into OUTCOMES, -1 awaiting
    triage_day: np.ndarray
    worker: np.ndarray
    journey: np.ndarray
    first_day: np.ndarray  # first attended contact, NONE when none
    planned_first_day: np.ndarray
    stay_days: np.ndarray
    discharge_day: np.ndarray
    discharge_reason: np.ndarray  # index into DISCHARGE_REASONS, -1 none
    response: np.ndarray  # how much a person gains: shared by every outcome measure


OUTCOMES = np.array(["accepted", "not_eligible", "declined", "no_contact", "redirected"])
DISCHARGE_REASONS = np.array(
    ["goals_met", "disengaged", "moved_away", "clinical_referral", "declined_further", "died",
     "other"]
)  # fmt: skip


def _referrals(
    rng: np.random.Generator,
    scale: Scale,
    practices: pd.DataFrame,
    today: dt.date,
    subset: np.ndarray,
    v2rng: np.random.Generator,
) -> tuple[Journeys, np.ndarray, dict[str, np.ndarray]]:
    """Referrals to the pilot practices among `subset` (indices into practices), and the
    practices' engagement events (version 2), which shape them."""
    t0, t1 = day_of(SERVICE_START), day_of(today)
    pilot = subset[practices["role"].to_numpy()[subset] == "pilot"]
    months = np.arange(month_of(np.array([t0]))[0], month_of(np.array([t1]))[0] + 1)
    m_start = month_start_day(months)
    m_end = np.minimum(month_start_day(months + 1) - 1, t1)
    days_open = (m_end - m_start + 1).clip(0)
    full = (month_start_day(months + 1) - m_start).astype(float)
    # Referrals per practice-month: about 6 a month at launch, rising to about 13 as GPs get
    # used to the service, scaled by list size; a partial last month gets its share.
    size = (practices["list_size"].to_numpy()[pilot] / 10000.0) ** 0.5
    uptake = rng.uniform(0.85, 1.15, len(pilot))
    growth = 6.0 + 7.0 * (1 - np.exp(-np.arange(len(months)) / 8.0))
    lam = scale.rate_multiplier * np.outer(size * uptake, growth) * (days_open / full)[None, :]
    codes = practices["practice_code"].to_numpy().astype(str)
    events, hours = v2.engagement(
        v2rng, pilot, codes, m_start, days_open, t1, demo=scale.n_practices is None
    )
    lam = lam * v2.referral_multiplier(hours)
    counts = rng.poisson(lam)
    practice = np.repeat(np.repeat(pilot, len(months)), counts.ravel())
    month_idx = np.repeat(np.tile(np.arange(len(months)), len(pilot)), counts.ravel())
    day = m_start[month_idx] + np.floor(rng.random(len(practice)) * days_open[month_idx]).astype(
        "int64"
    )
    wd = weekday(day)  # GPs refer on weekdays: weekend dates move back to the Friday
    day = day - (wd == 5) * 1 - (wd == 6) * 2
    day = np.maximum(day, t0)
    order = np.lexsort((practice, day))
    practice, day = practice[order], day[order]
    n = len(day)

    # Eligibility (pilot: adults, 3-36 months of symptoms, the listed conditions).
    age = np.clip(np.round(rng.normal(47, 14, n)), 19, 88).astype(int)
    # Under-18s are not generated: the contract refuses them at import (adults only), so
    # ineligible referrals are those with too short or too long symptoms or another condition.
    condition = _pick(rng, CONDITION_P, n)
    sym = np.clip(np.round(rng.lognormal(np.log(12), 0.55, n)), 3, 36).astype(int)
    r = rng.random(n)
    sym[r < 0.012] = rng.integers(1, 3, (r < 0.012).sum())
    long = (r >= 0.012) & (r < 0.03)
    sym[long] = rng.integers(40, 121, long.sum())
    eligible = (sym >= 3) & (sym <= 36) & (CONDITIONS[condition] != "other")

    # Triage a few days after referral; the latest referrals are still waiting for it.
    triage = day + np.clip(np.round(2 + rng.gamma(2.0, 2.5, n)), 1, 21).astype("int64")
    outcome = np.where(eligible, _pick(rng, [0.80, 0.0, 0.07, 0.08, 0.05], n), 1)
    awaiting = triage > t1
    outcome[awaiting] = -1
    triage[awaiting] = NONE
    accepted = outcome == 0

    workers_team = np.zeros(n, dtype=int)  # demo: one team; synthetic: the practice's PCN
    if scale.n_practices is not None:
        _, team_of_practice = np.unique(practices["pcn_code"].to_numpy(), return_inverse=True)
        workers_team = team_of_practice[practice]

    # Waits of two to four weeks (some longer), first contact on a weekday.
    wait = np.clip(np.round(13 + rng.gamma(2.2, 4.0, n)), 9, 60).astype("int64")
    planned = np.maximum(day + wait, triage + 2)
    wd = weekday(planned)
    planned = planned + (wd == 5) * 2 + (wd == 6) * 1

    journey = np.where(accepted, _pick(rng, JOURNEY_P, n) + 1, NOT_YET)
    stay_months = np.select(
        [journey == EARLY, journey == OTHER_EXIT, journey == COMPLETER],
        [rng.uniform(1.5, 6, n), rng.uniform(3, 14, n), np.clip(rng.normal(18, 3.5, n), 10, 28)],
        0.0,
    )
    stay = np.round(stay_months * DAYS_PER_MONTH).astype("int64")
    wd = weekday(planned + stay)  # discharged on a weekday (the Friday before a weekend)
    stay = stay - (wd == 5) * 1 - (wd == 6) * 2
    contacted = accepted & (planned <= t1)
    journey[accepted & ~contacted] = NOT_YET  # accepted, first appointment still to come
    first = np.where(contacted & (journey != NEVER), planned, NONE)
    # Never engaged: up to three missed appointments ten days apart, closed two weeks later.
    stay[journey == NEVER] = 14 + 10 * rng.integers(0, 3, n)[journey == NEVER]
    discharge = np.where(contacted, planned + stay, NONE)
    discharge[discharge > t1] = NONE
    reason = np.full(n, -1)
    idx = {r: i for i, r in enumerate(DISCHARGE_REASONS)}
    choices = {
        COMPLETER: (["goals_met", "declined_further", "other"], [0.85, 0.10, 0.05]),
        EARLY: (["disengaged", "declined_further"], [0.85, 0.15]),
        NEVER: (["disengaged"], [1.0]),
        OTHER_EXIT: (
            ["moved_away", "clinical_referral", "died", "other"],
            [0.35, 0.40, 0.05, 0.20],
        ),
    }
    pick_all = {j: _pick(rng, p, n) for j, (_, p) in choices.items()}
    for j, (names, _) in choices.items():
        sel = (journey == j) & (discharge != NONE)
        reason[sel] = np.array([idx[x] for x in names])[pick_all[j][sel]]

    worker = np.full(n, -1)
    return (
        Journeys(
            practice=practice,
            referral_day=day,
            age=age,
            condition=condition,
            symptom_months=sym,
            outcome=outcome,
            triage_day=triage,
            worker=worker,
            journey=journey,
            first_day=first,
            planned_first_day=np.where(contacted, planned, NONE),
            stay_days=stay,
            discharge_day=discharge,
            discharge_reason=reason,
            response=rng.normal(0, 1, n),
        ),
        workers_team,
        events,
    )


# ---------------------------------------------------------------- contacts


def _contacts(rng: np.random.Generator, scale: Scale, j: Journeys, today: dt.date):
    """Contact rows, and for each its slot kind: 0 first, 1-4 review, 5 closing, 6 other."""
    t1 = day_of(today)
    n = len(j.referral_day)
    engaged = np.isin(j.journey, [EARLY, OTHER_EXIT, COMPLETER])
    lo = np.select([j.journey == EARLY, j.journey == OTHER_EXIT], [3, 4], 8) + scale.extra_contacts
    hi = np.select([j.journey == EARLY, j.journey == OTHER_EXIT], [6, 9], 12) + scale.extra_contacts
    planned_n = rng.integers(lo, hi + 1)
    n_extra_max = 12 + scale.extra_contacts
    slots = 1 + len(REVIEW_DAYS) + 1 + n_extra_max
    stay = j.stay_days.astype(float)
    offset = np.full((n, slots), np.nan)
    kind = np.zeros((n, slots), dtype=int)
    offset[:, 0] = 0
    jitter = rng.integers(-10, 11, (n, len(REVIEW_DAYS)))
    review = REVIEW_DAYS[None, :] + jitter
    ok = review < stay[:, None] - 14
    offset[:, 1 : 1 + len(REVIEW_DAYS)] = np.where(ok, review, np.nan)
    kind[:, 1 : 1 + len(REVIEW_DAYS)] = np.arange(1, 1 + len(REVIEW_DAYS))[None, :]
    closing = np.isin(j.journey, [COMPLETER, OTHER_EXIT])  # a closing review at discharge
    offset[:, 1 + len(REVIEW_DAYS)] = np.where(closing, stay, np.nan)
    kind[:, 1 + len(REVIEW_DAYS)] = 5
    fixed = 1 + ok.sum(axis=1) + closing
    n_extra = np.clip(planned_n - fixed, 0, n_extra_max)
    # Other contacts spread over the stay (one in each of n_extra equal stretches, so nobody
    # goes months without a contact), a little more often early on; not on the first day.
    stretch = (
        np.arange(n_extra_max)[None, :] + rng.uniform(0.2, 0.8, (n, n_extra_max))
    ) / np.maximum(n_extra, 1)[:, None]
    extra = 1 + np.clip(stretch, 0, 1) ** 1.2 * np.maximum(stay[:, None] - 2, 1)
    extra[np.arange(n_extra_max)[None, :] >= n_extra[:, None]] = np.nan
    offset[:, 2 + len(REVIEW_DAYS) :] = np.round(extra)
    kind[:, 2 + len(REVIEW_DAYS) :] = 6
    offset[~engaged] = np.nan

    # Never engaged: one to three missed appointments, ten days apart.
    never = j.journey == NEVER
    attempts = (j.stay_days - 14) // 10 + 1
    never_off = np.where(
        np.arange(3)[None, :] < attempts[:, None], 10 * np.arange(3)[None, :], np.nan
    )
    offset[never, :3] = never_off[never]
    kind[never, :3] = 7

    ref_i, slot_i = np.nonzero(~np.isnan(offset))
    off = offset[ref_i, slot_i].astype("int64")
    start = np.where(never[ref_i], j.planned_first_day[ref_i], j.first_day[ref_i])
    cday = start + off
    k = kind[ref_i, slot_i]
    wd = weekday(cday)
    # Weekend contacts move to the Friday before, but never before the first contact.
    cday = np.maximum(cday - (wd == 5) * 1 - (wd == 6) * 2, start)
    keep = cday <= t1
    ref_i, cday, k = ref_i[keep], cday[keep], k[keep]
    order = np.lexsort((k, cday, ref_i))
    ref_i, cday, k = ref_i[order], cday[order], k[order]
    m = len(ref_i)

    # Attendance: the first contact is attended by definition; reviews mostly; others 84%.
    att = _pick(rng, [0.84, 0.10, 0.06], m)
    att[(k >= 1) & (k <= 5)] = _pick(rng, [0.92, 0.05, 0.03], m)[(k >= 1) & (k <= 5)]
    late_in_early = (j.journey[ref_i] == EARLY) & (
        cday - j.first_day[ref_i] > 0.6 * j.stay_days[ref_i]
    )
    att[late_in_early & (rng.random(m) < 0.6)] = 1
    att[k == 0] = 0
    att[k == 7] = np.where(rng.random(m) < 0.75, 1, 2)[k == 7]

    mode = _pick(rng, [0.45, 0.30, 0.05, 0.08, 0.07, 0.05], m)
    mode[k == 0] = _pick(rng, [0.70, 0.15, 0.0, 0.15, 0.0, 0.0], m)[k == 0]
    mode[(k >= 1) & (k <= 5)] = _pick(rng, [0.60, 0.30, 0.10, 0, 0, 0], m)[(k >= 1) & (k <= 5)]
    mode[k == 7] = _pick(rng, [0.5, 0.5], m)[k == 7]
    lo_m, hi_m = MODE_MINUTES[mode, 0], MODE_MINUTES[mode, 1]
    minutes = np.round((lo_m + rng.random(m) * (hi_m - lo_m)) / 5).astype(int) * 5
    minutes = np.where(att == 0, np.maximum(minutes, 5), 0)  # a missed contact took no time
    return {"ref": ref_i, "day": cday, "kind": k, "att": att, "mode": mode, "minutes": minutes}


# ---------------------------------------------------------------- goals


def _goals(rng: np.random.Generator, j: Journeys, plan_day: np.ndarray, today: dt.date):
    t1 = day_of(today)
    has_plan = plan_day != NONE
    refs = np.flatnonzero(has_plan)
    n_goals = _pick(rng, [0.15, 0.35, 0.35, 0.15], len(refs)) + 1
    # Distinct domains per plan: weighted sampling without replacement (Gumbel top-k).
    keys = np.log(rng.random((len(refs), len(GOAL_DOMAINS)))) / GOAL_DOMAIN_W[None, :]
    ranked = np.argsort(-keys, axis=1)
    g_ref = np.repeat(refs, n_goals)
    g_rank = np.arange(len(g_ref)) - np.repeat(np.cumsum(n_goals) - n_goals, n_goals)
    domain = ranked[np.repeat(np.arange(len(refs)), n_goals), g_rank]
    end = np.where(j.discharge_day[g_ref] != NONE, j.discharge_day[g_ref], t1)
    agreed = plan_day[g_ref].copy()
    later = (g_rank > 0) & (rng.random(len(g_ref)) < 0.4)
    agreed[later] += rng.integers(21, 120, len(g_ref))[later]
    agreed = np.where(agreed > end, plan_day[g_ref], agreed)

    discharged = j.discharge_day[g_ref] != NONE
    open_years = (t1 - agreed) / 365.0
    closed = discharged | (rng.random(len(g_ref)) < np.minimum(0.85, open_years * 0.9))
    earliest = np.minimum(agreed + 14, end)
    closed_day = earliest + np.floor(rng.random(len(g_ref)) * (end - earliest + 1)).astype("int64")
    jr = j.journey[g_ref]
    status = (
        np.select(
            [jr == COMPLETER, jr == EARLY],
            [
                _pick(rng, [0.55, 0.28, 0.10, 0.07], len(g_ref)),
                _pick(rng, [0.10, 0.20, 0.35, 0.35], len(g_ref)),
            ],
            _pick(rng, [0.30, 0.30, 0.20, 0.20], len(g_ref)),
        )
        + 1
    )
    status[~closed] = 0
    closed_day[~closed] = NONE
    return {
        "ref": g_ref,
        "domain": domain,
        "agreed": agreed,
        "status": status,
        "closed": closed_day,
    }


# ---------------------------------------------------------------- questionnaires

# Per instrument: item count, item max, item min, baseline mean and sd, gain (completer,
# early leaver, other exit) mean and sd. PSEQ, SWEMWBS and WBSTAR on their sum's scale;
# ONS4 and PSFS per item.
PSEQ_ITEM_OFFSET = np.array([0.03, 0.02, 0.0, 0.02, -0.06, 0.0, -0.08, 0.03, 0.0, 0.04])
ONS4_BASE = np.array([4.3, 5.0, 4.5, 6.2])
ONS4_GAIN = np.array([2.0, 1.5, 1.8, -1.8])  # anxiety falls when people improve


def _gain(rng, jr: np.ndarray, response: np.ndarray, means: tuple[float, float, float], sd: float):
    mu = np.select([jr == COMPLETER, jr == EARLY], [means[0], means[1]], means[2])
    return mu + sd * (0.7 * response + 0.71 * rng.normal(0, 1, len(jr)))


def _assessments(rng: np.random.Generator, scale: Scale, j: Journeys, contacts: dict):
    """Questionnaires at the first contact, attended reviews and the closing contact."""
    n = len(j.referral_day)
    ref, day, kind, att = contacts["ref"], contacts["day"], contacts["kind"], contacts["att"]
    # Some people never return a follow-up form; others miss some reviews.
    never_follow = rng.random(n) < 0.08
    baseline = (kind == 0) & (rng.random(len(ref)) < 0.93)
    review = (kind >= 1) & (kind <= 5) & (att == 0) & ~never_follow[ref]
    review &= rng.random(len(ref)) < np.where(kind == 5, 0.75, 0.65)
    occ = np.flatnonzero(baseline | review)
    o_ref, o_day = ref[occ], day[occ]
    t_days = (o_day - j.first_day[o_ref]).astype(float)

    offered = rng.random((n, len(INSTRUMENTS))) < np.array(scale.instrument_p)[None, :]
    jr = j.journey
    resp = j.response
    ramp = 1 - np.exp(-t_days / 150.0)  # most of the gain comes within the first year
    base_pseq = np.clip(rng.normal(24, 7, n), 4, 50)
    gain_pseq = _gain(rng, jr, resp, (15, 2, 6), 7)
    base_sw = np.clip(rng.normal(21, 4, n), 8, 33)
    gain_sw = _gain(rng, jr, resp, (4.5, 0.5, 2), 3.5)
    base_ons = np.clip(ONS4_BASE[None, :] + rng.normal(0, 2, (n, 4)), 0.3, 9.7)
    gain_ons = _gain(rng, jr, resp, (1.0, 0.1, 0.5), 0.6)[:, None] * ONS4_GAIN[None, :]
    n_psfs = np.array([3, 2, 4, 5])[_pick(rng, [0.7, 0.1, 0.1, 0.1], n)]
    base_psfs = np.clip(3.0 + rng.normal(0, 1.3, (n, 5)), 0.3, 9.5)
    gain_psfs = _gain(rng, jr, resp, (3.0, 0.3, 1.5), 2.0)
    base_star = np.clip(rng.normal(38, 8, n), 12, 70)
    gain_star = _gain(rng, jr, resp, (6, 0.5, 2.5), 5)

    frames = []
    for i, code in enumerate(INSTRUMENTS):
        sel = offered[o_ref, i]
        r, d, t, ra = o_ref[sel], o_day[sel], t_days[sel], ramp[sel]
        m = len(r)
        items = np.full((m, 14), -1, dtype="int64")
        if code == "PSEQ":
            score = base_pseq[r] + gain_pseq[r] * ra + rng.normal(0, 2.5, m)
            p = np.clip(score[:, None] / 60 + PSEQ_ITEM_OFFSET[None, :], 0.01, 0.99)
            items[:, :10] = rng.binomial(6, p)
            n_items = np.full(m, 10)
        elif code == "SWEMWBS":
            raw = base_sw[r] + gain_sw[r] * ra + rng.normal(0, 1.5, m)
            p = np.clip((raw - 7) / 28, 0.01, 0.99)
            items[:, :7] = 1 + rng.binomial(4, np.repeat(p[:, None], 7, axis=1))
            n_items = np.full(m, 7)
        elif code == "ONS4":
            v = base_ons[r] + gain_ons[r] * ra[:, None] + rng.normal(0, 0.8, (m, 4))
            items[:, :4] = rng.binomial(10, np.clip(v / 10, 0.01, 0.99))
            n_items = np.full(m, 4)
        elif code == "PSFS":
            v = base_psfs[r] + gain_psfs[r][:, None] * ra[:, None] + rng.normal(0, 0.7, (m, 5))
            items[:, :5] = rng.binomial(10, np.clip(v / 10, 0.01, 0.99))
            n_items = n_psfs[r]
            items[:, :5][np.arange(5)[None, :] >= n_items[:, None]] = -1
        else:  # WBSTAR
            s = base_star[r] + gain_star[r] * ra + rng.normal(0, 2, m)
            p = np.clip((s - 8) / 72, 0.01, 0.99)
            items[:, :8] = 1 + rng.binomial(9, np.repeat(p[:, None], 8, axis=1))
            n_items = np.full(m, 8)
        present = items >= 0
        total = np.where(present, items, 0).sum(axis=1).astype(float)
        if code == "PSFS":
            total = total / n_items
        if code == "ONS4":
            total[:] = np.nan
        # Flaws real forms have: some incomplete (an item or two missing, no total); a few
        # carry only the total the form added up.
        u = rng.random(m)
        incomplete = u < 0.04
        miss_col = np.floor(rng.random(m) * n_items).astype(int)
        items[incomplete, miss_col[incomplete]] = -1
        total[incomplete] = np.nan
        total_only = (u >= 0.04) & (u < 0.06) & (code in ("PSEQ", "SWEMWBS", "WBSTAR"))
        items[total_only] = -1
        frames.append(
            {
                "ref": r,
                "day": d,
                "instrument": np.full(m, i),
                "items": items,
                "total": total,
                "t": t,
            }
        )
    out = {k: np.concatenate([f[k] for f in frames]) for k in ("ref", "day", "instrument", "total")}
    out["items"] = np.concatenate([f["items"] for f in frames])
    order = np.lexsort((out["instrument"], out["day"], out["ref"]))
    return {k: v[order] for k, v in out.items()}


# ---------------------------------------------------------------- healthcare use


def _monthly(
    rng: np.random.Generator,
    person_practice: np.ndarray,
    first_month: np.ndarray,
    last_month: int,
    ref_month: np.ndarray,
    drop: np.ndarray,
):
    """Monthly healthcare use and pain-medicine items for each person.

    ref_month is the referral month (comparison cohort: -1, no referral); drop is how far a
    person's GP use falls once supported (0 for the comparison cohort and the unengaged).
    """
    n = len(first_month)
    n_months = np.maximum(last_month - first_month + 1, 0)
    p = np.repeat(np.arange(n), n_months)
    month = first_month[p] + (
        np.arange(len(p)) - np.repeat(np.cumsum(n_months) - n_months, n_months)
    )
    gp = rng.gamma(6.0, 8.5 / 6.0, n)  # appointments a year before referral: mean 8.5
    ae = rng.gamma(1.5, 0.9 / 1.5, n)
    op = rng.gamma(2.0, 3.0 / 2.0, n)
    adm = rng.gamma(1.0, 0.25, n)
    since = np.where(ref_month[p] >= 0, month - ref_month[p], -999)
    ramp = np.clip(since / 6.0, 0, 1)  # the fall builds over six months after referral
    winter = 1 + 0.1 * np.cos(2 * np.pi * (month % 12) / 12)  # January busiest
    d = drop[p] * ramp
    use = {
        "gp_appointments": rng.poisson(gp[p] / 12 * winter * (1 - d)),
        "ae_attendances": rng.poisson(ae[p] / 12 * winter * (1 - 0.6 * d)),
        "outpatient_attendances": rng.poisson(op[p] / 12 * (1 - 0.3 * d)),
        "nonelective_admissions": rng.poisson(adm[p] / 12 * winter * (1 - 0.3 * d)),
    }
    on_opioid = rng.random(n) < 0.45
    on_gaba = rng.random(n) < 0.25
    on_ad = rng.random(n) < 0.50
    taper = np.clip(since / 12.0, 0, 1) * drop[p]  # opioid items taper over a year
    rx = {
        "opioid_items": rng.poisson(on_opioid[p] * 1.2 * (1 - 0.8 * taper)),
        "gabapentinoid_items": rng.poisson(on_gaba[p] * 1.0 * (1 - 0.5 * taper)),
        "antidepressant_items": rng.poisson(on_ad[p] * 1.0),
    }
    return p, month, use, rx


# ---------------------------------------------------------------- assembly

# How each contract column is written (see wellpath.demo.write): ids are kept as integers in
# memory and formatted while writing, so that the national scale's tens of millions of rows
# never become Python strings.
#   text/int/decimal as they are; date: YYYY-MM-DD; month: months since 1970 -> YYYY-MM;
#   pid: a pseudonym code -> P-7F3A9C; id:X: a row number -> X000123; total: 24 or 4.33.
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "practices": [
        ("practice_code", "text"), ("practice_name", "text"), ("pcn_code", "text"),
        ("pcn_name", "text"), ("list_size", "int"), ("role", "text"),
    ],
    "link_workers": [
        ("worker_id", "text"), ("display_name", "text"), ("job_role", "text"),
        ("fte", "decimal"), ("start_date", "date"), ("end_date", "date"),
    ],
    "patients": [
        ("patient_id", "pid"), ("practice_code", "text"), ("birth_year", "int"),
        ("sex", "text"), ("ethnic_group", "text"), ("imd_decile", "int"), ("cohort", "text"),
    ],
    "referrals": [
        ("referral_id", "id:R"), ("patient_id", "pid"), ("practice_code", "text"),
        ("referral_date", "date"), ("referrer_role", "text"), ("condition", "text"),
        ("symptom_months", "int"), ("triage_outcome", "text"), ("triage_date", "date"),
        ("worker_id", "text"), ("first_contact_date", "date"), ("action_plan_date", "date"),
        ("discharge_date", "date"), ("discharge_reason", "text"),
    ],
    "contacts": [
        ("contact_id", "id:C"), ("referral_id", "id:R"), ("contact_date", "date"),
        ("mode", "text"), ("minutes", "int"), ("attendance", "text"),
    ],
    "goals": [
        ("goal_id", "id:G"), ("referral_id", "id:R"), ("domain", "text"),
        ("agreed_date", "date"), ("status", "text"), ("closed_date", "date"),
        ("barrier", "text"),
    ],
    "assessments": [
        ("assessment_id", "id:A"), ("referral_id", "id:R"), ("instrument", "text"),
        ("assessment_date", "date"),
        *[(f"item_{i:02d}", "int") for i in range(1, 15)],
        ("total", "total"),
    ],
    "healthcare_use": [
        ("patient_id", "pid"), ("month", "month"), ("gp_appointments", "int"),
        ("ae_attendances", "int"), ("outpatient_attendances", "int"),
        ("nonelective_admissions", "int"),
    ],
    "prescriptions": [
        ("patient_id", "pid"), ("month", "month"), ("opioid_items", "int"),
        ("gabapentinoid_items", "int"), ("antidepressant_items", "int"),
    ],
    "practice_engagement": [
        ("engagement_id", "id:E"), ("practice_code", "text"), ("worker_id", "text"),
        ("engagement_date", "date"), ("kind", "text"), ("minutes", "int"),
    ],
    "stories": [
        ("story_id", "id:S"), ("referral_id", "id:R"), ("story_date", "date"),
        ("consent", "text"), ("title", "text"), ("text", "text"),
    ],
}  # fmt: skip

TABLE_ORDER = tuple(COLUMNS)


def pseudonym_keys(rng: np.random.Generator) -> list[tuple[int, int]]:
    """The (add, odd multiplier) of each of the three rounds of `pseudonymise`."""
    space = 1 << 24
    keys = []
    for _ in range(3):
        a = int(rng.integers(0, space // 2)) * 2 + 1
        keys.append((int(rng.integers(0, space)), a))
    return keys


def pseudonymise(keys: list[tuple[int, int]], people: np.ndarray) -> np.ndarray:
    """Codes for 'P-7F3A9C' pseudonyms: a random bijection of 0..2^24-1 onto itself.

    Rounds of "add, multiply by an odd number, xor with the value shifted right" are each
    one-to-one modulo 2^24, so no two people share a pseudonym and neighbours look unrelated.
    """
    space = 1 << 24
    x = np.asarray(people, dtype="int64")
    if len(x) and (x.min() < 0 or x.max() >= space):
        raise ValueError("too many people for six-hex pseudonyms")
    for add, a in keys:
        x = ((x + add) * a) % space
        x ^= x >> 11
    return x


def pseudonym_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Pseudonym codes of people 0..n-1 (see `pseudonymise`)."""
    if n > 1 << 24:
        raise ValueError("too many people for six-hex pseudonyms")
    return pseudonymise(pseudonym_keys(rng), np.arange(n, dtype="int64"))


def pseudonym(code: int) -> str:
    return f"P-{int(code):06X}"


def id_width(n: int) -> int:
    return max(6, len(str(n)))


def _coded(names: np.ndarray, idx: np.ndarray) -> pd.Categorical:
    """Codes as a categorical: small in memory at any scale; -1 is an empty cell."""
    return pd.Categorical.from_codes(np.asarray(idx, dtype="int64"), categories=names)


@dataclass
class _Counts:
    """Rows generated by earlier chunks: where this chunk's people and ids start."""

    people: int = 0
    referrals: int = 0
    contacts: int = 0
    goals: int = 0
    assessments: int = 0
    engagements: int = 0
    stories: int = 0


def chunk_count(scale: str | Scale) -> int:
    """How many chunks `generate_chunks` yields at this scale."""
    sc = SCALES[scale] if isinstance(scale, str) else scale
    n = len(PRACTICES) if sc.n_practices is None else sc.n_practices
    return 1 if sc.chunk_practices is None else -(-n // sc.chunk_practices)


def generate_chunks(
    scale: str | Scale = "demo",
    *,
    seed: int,
    today: dt.date,
    progress=None,
) -> Iterator[dict[str, pd.DataFrame]]:
    """The world as contract tables, a chunk of practices at a time (flaws not planted).

    The first chunk also carries the practices and link_workers tables; ids and pseudonyms
    run on across chunks. A scale without chunk_practices is one chunk, drawn from the seed's
    generator in one sequence (so the demo and icb worlds are what they always were); each
    chunk of a chunked scale has its own generator seeded by (seed, chunk number).
    """
    sc = SCALES[scale] if isinstance(scale, str) else scale
    rng = np.random.default_rng(seed)
    say = progress or (lambda f, m: None)
    n_chunks = chunk_count(sc)
    if n_chunks > 1 and sc.id_digits is None:
        raise ValueError("a chunked scale needs id_digits")

    say(0.0, "practices and link workers")
    practices = _practices(sc, today, rng)
    workers = _workers(sc, practices, rng)
    link_workers = workers.drop(columns="team")
    link_workers["start_date"] = pd.to_datetime(link_workers["start_date"])
    link_workers["end_date"] = pd.Series(pd.NaT, index=link_workers.index, dtype="datetime64[s]")
    keys = pseudonym_keys(rng) if n_chunks > 1 else None
    size = sc.chunk_practices or len(practices)
    done = _Counts()
    for k in range(n_chunks):
        subset = np.arange(k * size, min((k + 1) * size, len(practices)))
        tables = _chunk(
            np.random.default_rng([seed, 1000 + k]) if n_chunks > 1 else rng,
            np.random.default_rng([seed, 2000 + k]),
            sc,
            practices,
            workers,
            subset,
            today,
            done,
            keys,
            lambda f, m, k=k: say((k + f) / n_chunks, m),
        )
        if k == 0:
            tables = {
                "practices": practices.drop(columns="imd_score"),
                "link_workers": link_workers,
            } | tables
        yield tables


def generate(
    scale: str | Scale = "demo",
    *,
    seed: int,
    today: dt.date,
    progress=None,
) -> World:
    """The world as it would look on `today`, as contract tables (flaws not yet planted)."""
    chunks = list(generate_chunks(scale, seed=seed, today=today, progress=progress))
    if len(chunks) == 1:
        return World(tables=chunks[0])
    tables = {
        name: pd.concat([c[name] for c in chunks if name in c], ignore_index=True)
        for name in TABLE_ORDER
    }
    return World(tables=tables)


def _chunk(
    rng: np.random.Generator,
    v2rng: np.random.Generator,
    sc: Scale,
    practices: pd.DataFrame,
    workers: pd.DataFrame,
    subset: np.ndarray,
    today: dt.date,
    done: _Counts,
    keys: list[tuple[int, int]] | None,
    say,
) -> dict[str, pd.DataFrame]:
    """The people tables of the practices in `subset`; `done` is advanced past them.

    keys: the pseudonym keys of a chunked world (None: drawn here, after everything else,
    as the unchunked world always drew them).
    """
    t1 = day_of(today)
    say(0.05, "referrals and journeys")
    j, team, events = _referrals(rng, sc, practices, today, subset, v2rng)
    n = len(j.referral_day)
    accepted = j.outcome == 0
    j.worker[accepted] = _assign_workers(rng, workers, team[accepted], j.triage_day[accepted])

    say(0.15, "contacts")
    c = _contacts(rng, sc, j, today)
    # Action plan at the second attended contact (or the first when there is only one).
    attended = c["att"] == 0
    a_ref, a_day = c["ref"][attended], c["day"][attended]
    first_idx = np.searchsorted(a_ref, np.arange(n))
    count = np.searchsorted(a_ref, np.arange(n), side="right") - first_idx
    plan = np.full(n, NONE, dtype="int64")
    has = count >= 1
    pick = np.where(count >= 2, first_idx + 1, first_idx)
    plan[has] = a_day[pick[has]]
    plan[rng.random(n) < 0.05] = NONE  # a few plans never recorded

    say(0.25, "goals")
    g = _goals(rng, j, plan, today)
    say(0.3, "questionnaires")
    a = _assessments(rng, sc, j, c)

    say(0.45, "healthcare use and prescriptions")
    comp_practices = subset[practices["role"].to_numpy()[subset] == "comparison"]
    n_comp = len(comp_practices) * sc.comparison_patients_per_practice
    comp_practice = np.repeat(comp_practices, sc.comparison_patients_per_practice)
    last_month = int(month_of(np.array([t1]))[0]) - 1  # complete months only
    ref_month = month_of(j.referral_day)
    start_month = int(month_of(np.array([day_of(SERVICE_START)]))[0])
    first_month = np.concatenate(
        [ref_month - sc.months_before, np.full(n_comp, start_month - sc.months_before)]
    )
    drop = np.select(
        [j.journey == COMPLETER, j.journey == OTHER_EXIT, j.journey == EARLY],
        [0.30, 0.15, 0.08],
        0.0,
    ) * np.clip(1 + 0.3 * j.response, 0.3, 1.7)
    person_practice = np.concatenate([j.practice, comp_practice])
    hp, hmonth, use, rx = _monthly(
        rng,
        person_practice,
        first_month,
        last_month,
        np.concatenate([ref_month, np.full(n_comp, -1)]),
        np.concatenate([drop, np.zeros(n_comp)]),
    )

    say(0.6, "assembling tables")
    n_people = n + n_comp
    people = done.people + np.arange(n_people, dtype="int64")
    pid = pseudonymise(keys if keys is not None else pseudonym_keys(rng), people)
    codes = practices["practice_code"].to_numpy().astype(str)
    imd_score = practices["imd_score"].to_numpy()[person_practice]
    ref_year = np.concatenate(
        [
            j.referral_day.astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970,
            np.full(n_comp, today.year),
        ]
    )
    age = np.concatenate([j.age, np.clip(np.round(rng.normal(49, 15, n_comp)), 19, 90)]).astype(int)
    imd = _imd_deciles(rng, imd_score)
    imd_missing = rng.random(n_people) < 0.02
    patients = pd.DataFrame(
        {
            "patient_id": pid,
            "practice_code": _coded(codes, person_practice),
            "birth_year": ref_year - age,
            "sex": _coded(SEXES, _pick(rng, SEX_P, n_people)),
            "ethnic_group": _coded(ETHNIC_GROUPS, _pick(rng, ETHNIC_P, n_people)),
            "imd_decile": _int_array(imd, imd_missing),
            "cohort": _coded(np.array(["referred", "comparison"]), np.arange(n_people) >= n),
        }
    )

    worker_ids = workers["worker_id"].to_numpy().astype(str)
    ref_no = done.referrals + np.arange(1, n + 1)
    referrals = pd.DataFrame(
        {
            "referral_id": ref_no,
            "patient_id": pid[:n],
            "practice_code": _coded(codes, j.practice),
            "referral_date": to_dates(j.referral_day),
            "referrer_role": _coded(REFERRER_ROLES, _pick(rng, REFERRER_P, n)),
            "condition": _coded(CONDITIONS, j.condition),
            "symptom_months": j.symptom_months,
            "triage_outcome": _coded(OUTCOMES, j.outcome),
            "triage_date": to_dates(j.triage_day),
            "worker_id": _coded(worker_ids, j.worker),
            "first_contact_date": to_dates(j.first_day),
            "action_plan_date": to_dates(plan),
            "discharge_date": to_dates(j.discharge_day),
            "discharge_reason": _coded(DISCHARGE_REASONS, j.discharge_reason),
        }
    )
    contacts = pd.DataFrame(
        {
            "contact_id": done.contacts + np.arange(1, len(c["ref"]) + 1),
            "referral_id": ref_no[c["ref"]],
            "contact_date": to_dates(c["day"]),
            "mode": _coded(MODES, c["mode"]),
            "minutes": c["minutes"].astype("int16"),
            "attendance": _coded(ATTENDANCE, c["att"]),
        }
    )
    goals = pd.DataFrame(
        {
            "goal_id": done.goals + np.arange(1, len(g["ref"]) + 1),
            "referral_id": ref_no[g["ref"]],
            "domain": _coded(GOAL_DOMAINS, g["domain"]),
            "agreed_date": to_dates(g["agreed"]),
            "status": _coded(GOAL_STATUSES, g["status"]),
            "closed_date": to_dates(g["closed"]),
        }
    )
    assessments = pd.DataFrame(
        {
            "assessment_id": done.assessments + np.arange(1, len(a["ref"]) + 1),
            "referral_id": ref_no[a["ref"]],
            "instrument": _coded(INSTRUMENTS, a["instrument"]),
            "assessment_date": to_dates(a["day"]),
        }
    )
    for i in range(14):
        col = a["items"][:, i]
        assessments[f"item_{i + 1:02d}"] = _int_array(col, col < 0)
    assessments["total"] = a["total"]

    healthcare_use = pd.DataFrame(
        {"patient_id": pid[hp], "month": hmonth.astype("int32")}
        | {k: v.astype("int16") for k, v in use.items()}
    )
    prescriptions = pd.DataFrame(
        {"patient_id": pid[hp], "month": hmonth.astype("int32")}
        | {k: v.astype("int16") for k, v in rx.items()}
    )

    # Version 2: who engaged with each practice, barriers on goals not met, stories.
    if sc.n_practices is None:
        practice_team = np.zeros(len(practices), dtype=int)
    else:
        _, practice_team = np.unique(practices["pcn_code"].to_numpy(), return_inverse=True)
    w_start = np.array([day_of(d) for d in workers["start_date"]])
    e_worker = v2.engagement_workers(events, practice_team, workers["team"].to_numpy(), w_start)
    practice_engagement = pd.DataFrame(
        {
            "engagement_id": done.engagements + np.arange(1, len(events["day"]) + 1),
            "practice_code": _coded(codes, events["practice"]),
            "worker_id": _coded(worker_ids, e_worker),
            "engagement_date": to_dates(events["day"]),
            "kind": _coded(v2.KINDS, events["kind"]),
            "minutes": events["minutes"].astype("int16"),
        }
    )
    pcn = practices["pcn_code"].to_numpy().astype(str)
    # The outer PCN: the demo's second PCN; elsewhere every other PCN.
    _, pcn_no = np.unique(pcn, return_inverse=True)
    outer = (pcn_no % 2 == 1)[j.practice[g["ref"]]]
    goals["barrier"] = _coded(
        v2.BARRIERS,
        v2.barriers(v2rng, g["domain"], g["status"], g["agreed"], outer, day_of(SERVICE_START)),
    )
    completed = np.flatnonzero(
        (j.journey == COMPLETER) & (j.discharge_day != NONE) & (j.discharge_reason == 0)
    )  # discharged with their goals met
    first_goal = np.full(n, 0)
    first_goal[g["ref"][::-1]] = g["domain"][::-1]  # each referral's first goal's domain
    s = v2.stories(
        v2rng,
        completed,
        j.discharge_day[completed],
        first_goal[completed],
        GOAL_DOMAINS,
        t1,
        demo=sc.n_practices is None,
    )
    stories = pd.DataFrame(
        {
            "story_id": done.stories + np.arange(1, len(s["ref"]) + 1),
            "referral_id": ref_no[s["ref"]],
            "story_date": to_dates(s["day"]),
            "consent": _coded(np.array(["practice_only", "publishable"]), s["consent"]),
            "title": s["title"],
            "text": s["text"],
        }
    )

    done.people += n_people
    done.engagements += len(practice_engagement)
    done.stories += len(stories)
    done.referrals += n
    done.contacts += len(contacts)
    done.goals += len(goals)
    done.assessments += len(assessments)
    say(1.0, "chunk generated")
    return {
        "patients": patients,
        "referrals": referrals,
        "contacts": contacts,
        "goals": goals,
        "assessments": assessments,
        "healthcare_use": healthcare_use,
        "prescriptions": prescriptions,
        "practice_engagement": practice_engagement,
        "stories": stories,
    }
