"""The demo world's version-2 data: practice engagement, goal barriers and consented stories.

The story it tells (drawn from the pilot's own account, which says referrals depend on how
integrated the link worker is with the practice):

- Each pilot practice's link worker becomes part of the practice over the first months
  (MDT meetings, sessions in the surgery, case discussions with GPs, a little training), to
  a level of its own; month to month it wobbles. A practice's referrals in a month rise with
  its engagement hours in the month before (`REFERRAL_RR_PER_HOUR`), so a model of referrals
  on last month's engagement recovers an association near it.
- One practice's engagement lapses (demo: A86026, the one practice of its PCN, about eleven
  weeks before the reference date; larger scales: about one practice in twelve), and its
  referrals fall away after it.
- Goals not met carry a barrier that depends on the goal's domain (no local group for
  community goals, cost and health for getting active, waiting lists for specialist
  services), tilted by PCN (the outer PCN: more transport and no local activity), with
  waiting lists growing over time.
- A few people who completed their support gave a story, most of them publishable.

Everything is drawn from its own generator (seeded from the world's seed), so the version-1
tables are drawn as before except for the referral counts engagement now shapes.
"""

from __future__ import annotations

import numpy as np

KINDS = np.array(["mdt_meeting", "training_session", "surgery_session", "case_discussion", "other"])
# Per kind: events a month at full integration (mean of a Poisson), minutes (low, high, step).
KIND_RATE = np.array([1.0, 0.12, 4.0, 1.5, 0.08])  # MDT and surgery: see `engagement`
KIND_MINUTES = np.array([[45, 90, 15], [60, 120, 30], [180, 240, 30], [10, 30, 5], [20, 60, 10]])
# Referrals a month multiply by this for each hour of engagement in the month before.
REFERRAL_RR_PER_HOUR = 1.04
LAPSED_DEMO_PRACTICE = "A86026"
LAPSE_DEMO_DAYS = 77  # eleven weeks before the reference date
LAPSE_SHARE = 0.08  # larger scales: share of pilot practices whose engagement lapses

BARRIERS = np.array(
    ["no_local_activity", "cost", "transport", "waiting_list", "health", "confidence", "other"]
)
# Barrier weights by goal domain (rows in world.GOAL_DOMAINS order).
BARRIER_W = np.array(
    [
        [0.40, 0.08, 0.20, 0.02, 0.10, 0.15, 0.05],  # community_groups
        [0.10, 0.05, 0.10, 0.02, 0.18, 0.45, 0.10],  # relationships
        [0.05, 0.05, 0.10, 0.55, 0.15, 0.05, 0.05],  # specialist_services
        [0.15, 0.35, 0.05, 0.02, 0.18, 0.15, 0.10],  # healthy_eating
        [0.20, 0.25, 0.15, 0.03, 0.25, 0.10, 0.02],  # getting_active
        [0.05, 0.05, 0.05, 0.45, 0.10, 0.20, 0.10],  # benefits_welfare
        [0.20, 0.05, 0.20, 0.05, 0.25, 0.20, 0.05],  # work_volunteering
        [0.15, 0.10, 0.10, 0.10, 0.15, 0.15, 0.25],  # other
    ]
)
OUTER_PCN_TILT = np.array([1.6, 1.0, 1.8, 1.0, 1.0, 1.0, 1.0])
NO_BARRIER_SHARE = 0.12  # unmet goals with no barrier recorded

DEMO_STORIES = 14
STORY_SHARE = 0.01  # larger scales: stories per completed referral
PUBLISHABLE_SHARE = 0.65

TITLES = (
    "Back at the walking group",
    "Getting out of the house again",
    "A reason to get up in the morning",
    "Learning to pace myself",
    "Not just the pain any more",
    "Finding my people",
    "Sorting out the money worries",
    "Back to volunteering",
    "Cooking for myself again",
    "Talking to my family about it",
)
OPENINGS = (
    "When I was first referred I had hardly left the house for a year.",
    "I didn't think anyone could help, because the doctors had tried everything.",
    "The pain had taken over my life and I had stopped seeing friends.",
    "I was sceptical at first: I thought it would be another leaflet.",
    "Before this I spent most days on the settee, waiting for the pain to ease.",
)
MIDDLES = {
    "community_groups": "My link worker came with me to the community group the first time, "
    "and now I go every week and help new people settle in.",
    "relationships": "We talked about how to explain my condition to my family, and for the "
    "first time in ages we are doing things together again.",
    "specialist_services": "She helped me through the referral to the pain clinic and made sure "
    "I knew what to ask when I got there.",
    "healthy_eating": "We started with one simple meal a week, and now I plan my shopping and "
    "cook most evenings.",
    "getting_active": "We found a gentle exercise class at the leisure centre, and I have built "
    "up from ten minutes to a full session.",
    "benefits_welfare": "She helped me fill in the forms I had been putting off, and the worry "
    "about money has eased a lot.",
    "work_volunteering": "I now volunteer two mornings a week at the food bank, which gives my "
    "week a shape.",
    "other": "We worked out, step by step, what mattered to me and what I could try first.",
}
ENDINGS = (
    "The pain is still there, but it is not in charge any more.",
    "I feel like myself again on most days.",
    "I would tell anyone in my position to give it a go.",
    "I know what to do now on the bad days.",
    "It has made more difference than any tablet.",
)


def _weekday_in(rng: np.random.Generator, start: np.ndarray, days: np.ndarray) -> np.ndarray:
    """A weekday in [start, start + days): a weekend day moves to the Monday, or to the
    Friday when the Monday is past the end (the month's end, or the reference date)."""
    d = start + np.floor(rng.random(len(start)) * days).astype("int64")
    wd = (d + 3) % 7
    monday = d + (wd == 5) * 2 + (wd == 6) * 1
    friday = d - (wd == 5) * 1 - (wd == 6) * 2
    return np.where(monday < start + days, monday, friday)


def engagement(
    rng: np.random.Generator,
    pilot: np.ndarray,
    codes: np.ndarray,
    month_start: np.ndarray,
    month_days: np.ndarray,
    today_day: int,
    demo: bool,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Engagement events of the pilot practices, and their hours per (practice, month).

    pilot: indices of the pilot practices; codes: every practice's code; month_start and
    month_days: each service month's first day (days since 1970) and the days of it to date.
    Returns the events (practice index, day, kind index, minutes) and hours, shape
    (len(pilot), months).
    """
    n_p, n_m = len(pilot), len(month_start)
    plateau = rng.uniform(0.45, 1.0, n_p)
    tau = rng.uniform(1.5, 7.0, n_p)
    months = np.arange(n_m)
    level = plateau[:, None] * (1 - np.exp(-(months[None, :] + 1) / tau[:, None]))
    level = np.clip(level * np.exp(rng.normal(0, 0.15, (n_p, n_m))), 0, 1.2)
    # A lapse: from a day on, no engagement at all.
    lapse_day = np.full(n_p, today_day + 1)
    if demo:
        lapse_day[codes[pilot] == LAPSED_DEMO_PRACTICE] = today_day - LAPSE_DEMO_DAYS
    else:
        lapsed = rng.random(n_p) < LAPSE_SHARE
        lapse_day[lapsed] = today_day - rng.integers(50, 270, n_p)[lapsed]
    # The regular ones are regular: the monthly MDT meeting (sometimes a second) and a
    # weekly surgery session, each held with the practice's level of integration; the rest
    # come as they come.
    lv = np.clip(level, 0, 1)[:, :, None]
    counts = rng.poisson(level[:, :, None] * KIND_RATE[None, None, :])  # practice, month, kind
    regular = rng.binomial(np.array([1, 0, 4, 0, 0])[None, None, :], lv)
    counts[:, :, [0, 2]] = regular[:, :, [0, 2]]
    counts[:, :, 0] += rng.random((n_p, n_m)) < 0.1 * level
    flat = counts.ravel()
    cell = np.repeat(np.arange(len(flat)), flat)
    p_idx, m_idx, kind = np.unravel_index(cell, counts.shape)
    day = _weekday_in(rng, month_start[m_idx], month_days[m_idx].clip(1))
    lo, hi, step = KIND_MINUTES[kind, 0], KIND_MINUTES[kind, 1], KIND_MINUTES[kind, 2]
    minutes = lo + step * np.floor(rng.random(len(kind)) * ((hi - lo) // step + 1)).astype(int)
    keep = (day < lapse_day[p_idx]) & (day <= today_day)
    p_idx, m_idx, kind, day, minutes = (a[keep] for a in (p_idx, m_idx, kind, day, minutes))
    hours = np.zeros((n_p, n_m))
    np.add.at(hours, (p_idx, m_idx), minutes / 60.0)
    order = np.lexsort((kind, pilot[p_idx], day))
    events = {"practice": pilot[p_idx][order], "day": day[order], "kind": kind[order]}
    events["minutes"] = minutes[order]
    return events, hours


def referral_multiplier(hours: np.ndarray) -> np.ndarray:
    """How engagement shapes referrals: the rate ratio per hour of the month before, centred
    on the world's mean so the service's referrals stay about what they were (month one has
    no month before: no effect)."""
    before = np.concatenate([np.full((hours.shape[0], 1), np.nan), hours[:, :-1]], axis=1)
    centre = np.nanmean(before) if np.isfinite(before).any() else 0.0
    before = np.where(np.isnan(before), centre, before)
    return np.exp(np.log(REFERRAL_RR_PER_HOUR) * (before - centre))


def engagement_workers(
    events: dict[str, np.ndarray],
    practice_team: np.ndarray,
    worker_team: np.ndarray,
    worker_start: np.ndarray,
) -> np.ndarray:
    """The practice's link worker for each event: of its team's workers in post that day,
    the one at the practice's position (so a practice keeps its worker, and a new worker
    takes some practices on when they start)."""
    out = np.zeros(len(events["day"]), dtype=int)
    team = practice_team[events["practice"]]
    for t in np.unique(team):
        rows = np.flatnonzero(team == t)
        members = np.flatnonzero(worker_team == t)
        in_post = worker_start[members][None, :] <= events["day"][rows][:, None]
        in_post[in_post.sum(axis=1) == 0, 0] = True
        rank = events["practice"][rows] % in_post.sum(axis=1)
        # the (rank+1)-th member in post
        pick = (np.cumsum(in_post, axis=1) <= rank[:, None]).sum(axis=1)
        out[rows] = members[pick.clip(0, len(members) - 1)]
    return out


def barriers(
    rng: np.random.Generator,
    domain: np.ndarray,
    status: np.ndarray,
    agreed_day: np.ndarray,
    outer_pcn: np.ndarray,
    service_start_day: int,
) -> np.ndarray:
    """A barrier index per goal (-1: none), for goals not achieved, partly achieved or
    withdrawn (status indices 2, 3, 4 of world.GOAL_STATUSES)."""
    w = BARRIER_W[domain] * np.where(outer_pcn[:, None], OUTER_PCN_TILT[None, :], 1.0)
    years = np.clip((agreed_day - service_start_day) / 365.0, 0, 3)
    w[:, 3] *= 1 + 0.8 * years  # waiting lists lengthen
    cum = np.cumsum(w, axis=1) / w.sum(axis=1, keepdims=True)
    pick = (cum < rng.random(len(domain))[:, None]).sum(axis=1).clip(0, len(BARRIERS) - 1)
    unmet = np.isin(status, [2, 3, 4]) & (rng.random(len(domain)) >= NO_BARRIER_SHARE)
    return np.where(unmet, pick, -1)


def stories(
    rng: np.random.Generator,
    candidates: np.ndarray,
    candidate_day: np.ndarray,
    candidate_domain: np.ndarray,
    domains: np.ndarray,
    today_day: int,
    demo: bool,
) -> dict[str, np.ndarray]:
    """Stories from some of the referrals in `candidates` (completed, goals met), dated a few
    days after discharge; their text from the person's first goal's domain."""
    n = DEMO_STORIES if demo else int(round(STORY_SHARE * len(candidates)))
    n = min(n, len(candidates))
    chosen = np.sort(rng.choice(len(candidates), n, replace=False)) if n else np.array([], int)
    day = np.minimum(candidate_day[chosen] + rng.integers(0, 15, n), today_day)
    publishable = rng.random(n) < PUBLISHABLE_SHARE
    t, o, e = (rng.integers(0, len(x), n) for x in (TITLES, OPENINGS, ENDINGS))
    text = np.array(
        [
            f"{OPENINGS[o[i]]} {MIDDLES[str(domains[candidate_domain[chosen[i]]])]} {ENDINGS[e[i]]}"
            for i in range(n)
        ],
        dtype=object,
    )
    order = np.argsort(day, kind="stable")
    return {
        "ref": candidates[chosen][order],
        "day": day[order],
        "consent": np.where(publishable, 1, 0)[order],
        "title": np.array([TITLES[k] for k in t], dtype=object)[order],
        "text": text[order],
    }
