"""The MDT meeting's rules: which people to discuss, why (the flags), in what order, and what
changed since the last meeting.

A practice's multi-disciplinary team meets every few weeks with the link worker. The page
(pages/mdt_meeting.py) and the printable pack (wellpath/pack.py) both show what these pure
functions decide, from the rows of queries/mdt_people.sql and queries/mdt_scores.sql, so the
screen and the paper always agree. Every threshold is a named constant here and every flag
carries its rule in plain English, shown on hover and in the legend.

Wellpath does not store free-text notes about a person: the team keeps its notes in the
clinical record.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from wellpath import contract, formats, labels, outcomes, stats
from wellpath.scoring import INSTRUMENTS

#: Waiting (for triage or a first contact) longer than this many days since referral.
WAITING_FLAG_DAYS = 28
#: On the caseload with no attended contact for at least this many days (six weeks).
NO_CONTACT_DAYS = 42
#: A review questionnaire is due this many days (12 weeks) after the latest complete one.
REVIEW_INTERVAL_DAYS = 84
#: On the caseload for more than this many months.
LONG_CASELOAD_MONTHS = 18
#: "Recently" for discharges to clinical care and triage refusals: days up to the meeting.
RECENT_DAYS = 31
#: The default gap between meetings, for the "last meeting date" box.
DEFAULT_MEETING_GAP_DAYS = 28
#: The service's eligibility: one definition, in the contract module.
ELIGIBLE_SYMPTOM_MONTHS = contract.ELIGIBLE_SYMPTOM_MONTHS
ELIGIBLE_MIN_AGE = contract.ADULT_AGE
#: Instruments shown as "wellbeing" in the list, first found wins.
WELLBEING_INSTRUMENTS = ("SWEMWBS", "WEMWBS", "WBSTAR")

OPEN_STATUSES = ("awaiting_triage", "waiting", "caseload")
STATUS_LABELS = {
    "awaiting_triage": "Awaiting triage",
    "waiting": "Waiting for first contact",
    "caseload": "On the caseload",
    "discharged": "Discharged",
    "not_taken_on": "Not taken on",
}

IMPROVED, UNCHANGED, DETERIORATED = "improved", "unchanged", "deteriorated"
RELIABLE_LABELS = {
    IMPROVED: "Reliably better",
    UNCHANGED: "No reliable change",
    DETERIORATED: "Reliably worse",
    None: "Not assessed",
}


@dataclass(frozen=True)
class Flag:
    """A reason to discuss someone: a short label, and its rule in plain English."""

    code: str
    label: str
    rule: str


# In order of seriousness: the list sorts by the most serious flag, then by how long.
FLAGS: tuple[Flag, ...] = (
    Flag(
        "reliable_deterioration",
        "Reliably worse",
        "The latest score on a questionnaire is worse than the baseline by more than "
        "measurement error allows (reliable change index beyond 1.96, Jacobson & Truax "
        "1991), on any questionnaire with a published test-retest reliability.",
    ),
    Flag(
        "returned_to_clinical_care",
        "Returned to clinical care",
        f"Discharged with the reason 'returned to clinical care' in the {RECENT_DAYS} days "
        "up to the meeting.",
    ),
    Flag(
        "waiting_over_4_weeks",
        "Waiting over 4 weeks",
        f"Awaiting triage or a first contact more than {WAITING_FLAG_DAYS} days (four weeks) "
        "after referral.",
    ),
    Flag(
        "no_recent_contact",
        "No contact for 6 weeks",
        f"On the caseload and no attended contact for {NO_CONTACT_DAYS} days (six weeks) or "
        "more. Missed appointments do not count as contact.",
    ),
    Flag(
        "review_due",
        "Review questionnaire due",
        f"On the caseload and no complete questionnaire for {REVIEW_INTERVAL_DAYS} days "
        "(12 weeks) or more, counted from the latest complete form (or from the start on "
        "the caseload when there is none).",
    ),
    Flag(
        "long_on_caseload",
        "On caseload over 18 months",
        f"On the caseload for more than {LONG_CASELOAD_MONTHS} months since the first "
        "contact (months of 30.4 days).",
    ),
    Flag(
        "declined_or_not_eligible",
        "Declined or not eligible",
        f"Triage outcome 'declined' or 'not eligible' in the {RECENT_DAYS} days up to the "
        "meeting; the reason is shown so the practice can refer differently.",
    ),
)
FLAGS_BY_CODE: Mapping[str, Flag] = {f.code: f for f in FLAGS}
_FLAG_RANK = {f.code: i for i, f in enumerate(FLAGS)}


# ---------------------------------------------------------------- dates of the meeting


def financial_quarter_start(day: dt.date) -> dt.date:
    """First day of the NHS financial-year quarter holding `day` (Apr, Jul, Oct, Jan)."""
    month = ((day.month - 1) // 3) * 3 + 1
    return dt.date(day.year, month, 1)


def default_last_meeting(meeting_date: dt.date) -> dt.date:
    return meeting_date - dt.timedelta(days=DEFAULT_MEETING_GAP_DAYS)


def year_before(day: dt.date) -> dt.date:
    """The same date a year earlier (28 Feb for 29 Feb)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def chart_from_date(meeting_date: dt.date, months: int = 12) -> dt.date:
    """First day of the month `months - 1` months before the meeting's month."""
    index = meeting_date.year * 12 + meeting_date.month - 1 - (months - 1)
    return dt.date(index // 12, index % 12 + 1, 1)


def since_date(meeting_date: dt.date, last_meeting_date: dt.date | None) -> dt.date:
    """Earliest date of closed referrals the list needs: the last meeting, or the
    recent-window start for the flags, whichever is earlier."""
    recent = meeting_date - dt.timedelta(days=RECENT_DAYS)
    if last_meeting_date is None:
        return recent
    return min(last_meeting_date, recent)


# ---------------------------------------------------------------- the flag rules


_missing = formats.is_missing


def _as_date(value: object) -> dt.date | None:
    if _missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(str(value)).date()


def _days(start: object, end: dt.date) -> int | None:
    start_date = _as_date(start)
    return None if start_date is None else (end - start_date).days


def is_waiting_over_4_weeks(status: str, referral_date: object, meeting_date: dt.date) -> bool:
    days = _days(referral_date, meeting_date)
    return (
        status in ("awaiting_triage", "waiting") and days is not None and days > WAITING_FLAG_DAYS
    )


def has_no_recent_contact(status: str, last_contact_date: object, meeting_date: dt.date) -> bool:
    """On the caseload with no attended contact for six weeks. The query falls back on the
    first contact date, so someone on the caseload always has a last contact."""
    days = _days(last_contact_date, meeting_date)
    return status == "caseload" and days is not None and days >= NO_CONTACT_DAYS


def caseload_start(first_contact_date: object, triage_date: object) -> dt.date | None:
    """As the schema's caseload_start_date macro: first contact, else triage date."""
    return _as_date(first_contact_date) or _as_date(triage_date)


def next_review_date(
    status: str, last_questionnaire_date: object, first_contact_date: object, triage_date: object
) -> dt.date | None:
    """When the next review questionnaire is due: 12 weeks after the latest complete form
    (or after the start on the caseload when there is none). Only for people on the
    caseload: reviews follow the 12-weekly rhythm of contacts, not a fixed 3/6/12-month
    schedule, because people start at different points of their journey."""
    if status != "caseload":
        return None
    anchor = _as_date(last_questionnaire_date) or caseload_start(first_contact_date, triage_date)
    return None if anchor is None else anchor + dt.timedelta(days=REVIEW_INTERVAL_DAYS)


def is_review_due(next_review: dt.date | None, meeting_date: dt.date) -> bool:
    return next_review is not None and next_review <= meeting_date


def is_long_on_caseload(status: str, caseload_days: object) -> bool:
    if status != "caseload" or _missing(caseload_days):
        return False
    return float(caseload_days) / contract.DAYS_PER_MONTH > LONG_CASELOAD_MONTHS  # type: ignore[arg-type]


def _is_recent(day: object, meeting_date: dt.date) -> bool:
    days = _days(day, meeting_date)
    return days is not None and 0 <= days <= RECENT_DAYS


def returned_to_clinical_care(
    discharge_reason: object, discharge_date: object, meeting_date: dt.date
) -> bool:
    return discharge_reason == "clinical_referral" and _is_recent(discharge_date, meeting_date)


def declined_or_not_eligible(
    triage_outcome: object, triage_date: object, referral_date: object, meeting_date: dt.date
) -> bool:
    """Turned down at triage recently (a missing triage date counts from the referral)."""
    decided = triage_date if not _missing(triage_date) else referral_date
    return triage_outcome in ("declined", "not_eligible") and _is_recent(decided, meeting_date)


def not_taken_on_reason(
    triage_outcome: object, symptom_months: object, age_years: object, condition: object
) -> str:
    """Why triage turned someone down, as far as the data says, in words a practice can act
    on. The contract has no reason field, so eligibility is checked against the pilot's
    rules (adults, 3 to 36 months of symptoms)."""
    if triage_outcome == "declined":
        return "Declined the offer of support"
    if triage_outcome != "not_eligible":
        return labels.label(labels.TRIAGE_OUTCOMES, triage_outcome)
    low, high = ELIGIBLE_SYMPTOM_MONTHS
    hints = []
    if not _missing(symptom_months):
        months = int(symptom_months)  # type: ignore[call-overload]
        if months < low or months > high:
            hints.append(f"symptoms for {months} months (the service takes {low} to {high})")
    if not _missing(age_years) and int(age_years) < ELIGIBLE_MIN_AGE:  # type: ignore[call-overload]
        hints.append(f"aged {int(age_years)} (adults only)")  # type: ignore[call-overload]
    if condition == "other":
        hints.append("condition recorded as 'other'")
    if not hints:
        return "Not eligible (no reason in the data: ask the link worker)"
    return "Not eligible: " + "; ".join(hints)


def person_flags(
    person: Mapping[str, object],
    meeting_date: dt.date,
    reliable_categories: Iterable[str | None] = (),
) -> tuple[str, ...]:
    """The flag codes for one row of mdt_people, most urgent first.

    `reliable_categories`: the person's reliable-change category on each instrument
    (improved / unchanged / deteriorated / None when it cannot be judged)."""
    status = str(person["status"])
    review = next_review_date(
        status,
        person.get("last_questionnaire_date"),
        person.get("first_contact_date"),
        person.get("triage_date"),
    )
    checks = {
        "reliable_deterioration": DETERIORATED in set(reliable_categories),
        "returned_to_clinical_care": returned_to_clinical_care(
            person.get("discharge_reason"), person.get("discharge_date"), meeting_date
        ),
        "no_recent_contact": has_no_recent_contact(
            status, person.get("last_contact_date"), meeting_date
        ),
        "waiting_over_4_weeks": is_waiting_over_4_weeks(
            status, person.get("referral_date"), meeting_date
        ),
        "review_due": is_review_due(review, meeting_date),
        "long_on_caseload": is_long_on_caseload(status, person.get("caseload_days")),
        "declined_or_not_eligible": declined_or_not_eligible(
            person.get("triage_outcome"),
            person.get("triage_date"),
            person.get("referral_date"),
            meeting_date,
        ),
    }
    return tuple(f.code for f in FLAGS if checks[f.code])


# ---------------------------------------------------------------- reliable change


@dataclass(frozen=True)
class ReliableChangeBasis:
    """What a person's reliable change on one instrument is judged against."""

    instrument: str
    reliability: float | None
    sd_baseline: float | None
    higher_is_better: bool

    @property
    def threshold_points(self) -> float | None:
        """The smallest reliable change in points (strictly more than 1.96 * S_diff); None
        when the reliability or the SD is unknown."""
        if self.reliability is None or self.sd_baseline is None or not self.sd_baseline > 0:
            return None
        return stats.reliable_change_threshold(reliability=self.reliability, sd=self.sd_baseline)


def reliable_change_bases(
    scores: pd.DataFrame, reliability_overrides: Mapping[str, float] | None = None
) -> dict[str, ReliableChangeBasis]:
    """Per instrument in `scores` (mdt_scores: the practice's people as on the meeting date):
    the registry's test-retest reliability (or the user's, for instruments without a
    published one) and `outcomes.reliable_change_sd` of the PAIRED baselines (people with a
    baseline and a later form), the one definition the Outcomes page uses too
    (docs/methods.md, "Reliable change")."""
    overrides = dict(reliability_overrides or {})
    out: dict[str, ReliableChangeBasis] = {}
    if scores.empty:
        return out
    paired = scores[scores["latest_date"] > scores["baseline_date"]]
    for code in sorted(set(scores["instrument"].astype(str))):
        inst = INSTRUMENTS.get(code)
        if inst is None:
            continue
        sd = outcomes.reliable_change_sd(paired.loc[paired["instrument"] == code, "baseline_score"])
        out[code] = ReliableChangeBasis(
            instrument=code,
            reliability=overrides.get(code, inst.reliability),
            sd_baseline=None if math.isnan(sd) else sd,
            higher_is_better=inst.higher_is_better,
        )
    return out


def reliable_category(change: object, basis: ReliableChangeBasis | None) -> str | None:
    """improved / unchanged / deteriorated by the Jacobson-Truax index (|RC| > 1.96 is
    reliable), None when the change is missing or the basis (reliability, SD) is unknown."""
    if basis is None or _missing(change) or basis.threshold_points is None:
        return None
    # reliable_change works on pairs; the index depends only on the difference.
    return stats.reliable_change(
        [0.0],
        [float(change)],  # type: ignore[arg-type]
        reliability=basis.reliability,  # type: ignore[arg-type]
        sd=basis.sd_baseline,
        higher_is_better=basis.higher_is_better,
    )[0]


def score_changes(
    scores: pd.DataFrame,
    bases: Mapping[str, ReliableChangeBasis],
    last_meeting_date: dt.date | None,
) -> pd.DataFrame:
    """mdt_scores rows with change since baseline and since the last meeting, and whether
    each is a reliable change. A change needs a later form than the one it starts from."""
    out = scores.copy()
    has_follow_up = out["latest_date"] > out["baseline_date"]
    out["change_points"] = (out["latest_score"] - out["baseline_score"]).where(has_follow_up)
    out["reliable"] = [
        reliable_category(change, bases.get(code))
        for change, code in zip(out["change_points"], out["instrument"], strict=True)
    ]
    moved = out["score_at_last_meeting"].notna()
    if last_meeting_date is not None:
        moved &= out["latest_date"] > pd.Timestamp(last_meeting_date)
    else:
        moved &= False
    out["change_since_last_meeting_points"] = (
        out["latest_score"] - out["score_at_last_meeting"]
    ).where(moved)
    out["reliable_since_last_meeting"] = [
        reliable_category(change, bases.get(code))
        for change, code in zip(
            out["change_since_last_meeting_points"], out["instrument"], strict=True
        )
    ]
    return out


# ---------------------------------------------------------------- the list


def flag_people(
    people: pd.DataFrame,
    changes: pd.DataFrame,
    meeting_date: dt.date,
) -> pd.DataFrame:
    """The MDT list: mdt_people rows worth discussing (everyone open on the meeting date,
    plus anyone with a flag), with flags, next review, PSEQ and wellbeing scores, sorted by
    the most serious flag first (FLAGS order), then by how long (waiting or on the
    caseload, longest first), then by more flags."""
    by_referral: dict[str, list[str | None]] = {}
    for ref, cat in zip(changes["referral_id"], changes["reliable"], strict=True):
        by_referral.setdefault(str(ref), []).append(cat)

    rows = []
    for person in people.to_dict("records"):
        flags = person_flags(person, meeting_date, by_referral.get(str(person["referral_id"]), []))
        if person["status"] not in OPEN_STATUSES and not flags:
            continue
        person["flags"] = flags
        person["flag_count"] = len(flags)
        person["flag_rank"] = min((_FLAG_RANK[f] for f in flags), default=len(FLAGS))
        person["next_review_date"] = next_review_date(
            str(person["status"]),
            person.get("last_questionnaire_date"),
            person.get("first_contact_date"),
            person.get("triage_date"),
        )
        rows.append(person)
    columns = [*people.columns, "flags", "flag_count", "flag_rank", "next_review_date"]
    out = pd.DataFrame(rows, columns=columns)
    out = _attach_scores(out, changes)
    # How long: waiting since referral, or on the caseload since the first contact.
    waited = pd.to_numeric(out["days_waiting"], errors="coerce")
    known = pd.to_numeric(out["caseload_days"], errors="coerce")
    out["_how_long_days"] = waited.fillna(known).fillna(-1)
    out = out.sort_values(
        ["flag_rank", "_how_long_days", "flag_count", "referral_date", "referral_id"],
        ascending=[True, False, False, True, True],
        kind="mergesort",
    ).drop(columns="_how_long_days")
    return out.reset_index(drop=True)


def _attach_scores(people: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """PSEQ and the first wellbeing instrument found, as columns of the list."""
    out = people.copy()
    by_key = {(str(r.referral_id), str(r.instrument)): r for r in changes.itertuples(index=False)}
    pseq = [by_key.get((str(ref), "PSEQ")) for ref in out["referral_id"]]
    out["pseq_latest"] = [r.latest_score if r is not None else None for r in pseq]
    out["pseq_change"] = [r.change_points if r is not None else None for r in pseq]
    out["pseq_reliable"] = [r.reliable if r is not None else None for r in pseq]
    wellbeing = []
    for ref in out["referral_id"]:
        found = next(
            (by_key[(str(ref), c)] for c in WELLBEING_INSTRUMENTS if (str(ref), c) in by_key),
            None,
        )
        wellbeing.append(found)
    out["wellbeing_instrument"] = [r.instrument if r is not None else None for r in wellbeing]
    out["wellbeing_latest"] = [r.latest_score if r is not None else None for r in wellbeing]
    out["wellbeing_change"] = [r.change_points if r is not None else None for r in wellbeing]
    out["wellbeing_reliable"] = [r.reliable if r is not None else None for r in wellbeing]
    return out


def _weeks(days: object) -> int | None:
    return None if _missing(days) else int(float(days) // 7)  # type: ignore[arg-type]


def _number(value: object) -> float | None:
    return None if _missing(value) else float(value)  # type: ignore[arg-type]


def flag_text(flags: Iterable[str], person: Mapping[str, object] | None = None) -> str:
    """The flags in words; a triage refusal carries its reason."""
    parts = []
    for code in flags:
        text = FLAGS_BY_CODE[code].label
        if code == "declined_or_not_eligible" and person is not None:
            text += ": " + not_taken_on_reason(
                person.get("triage_outcome"),
                person.get("symptom_months"),
                person.get("age_at_referral_years"),
                person.get("condition"),
            )
        parts.append(text)
    return "; ".join(parts)


LIST_COLUMNS = {
    "Pseudonym": "The person's pseudonym in the service's records (no names are held).",
    "Flags": "Reasons to discuss this person today; see the legend for each rule.",
    "Status": "Where the person is on the meeting date.",
    "Condition": "The persistent physical symptoms they were referred for.",
    "Referred by": "Who referred them.",
    "Referred": "Date of referral.",
    "Weeks waiting": "Whole weeks from referral to the meeting, for people not yet seen.",
    "Weeks on caseload": "Whole weeks from the first contact to the meeting.",
    "Link worker": "The link worker holding the referral.",
    "Last contact": "The latest attended contact on or before the meeting date.",
    "Next review due": (
        f"{REVIEW_INTERVAL_DAYS // 7} weeks after the latest complete questionnaire (or "
        "after the start on the caseload when there is none)."
    ),
    "Goals open": "Goals in the action plan not yet closed on the meeting date.",
    "Goals achieved": "Goals closed as achieved by the meeting date.",
    "PSEQ latest": "Latest Pain Self-Efficacy score (0-60, higher is better).",
    "PSEQ change": "Latest PSEQ minus the baseline (points; positive is better).",
    "PSEQ reliable?": "Whether the PSEQ change is beyond measurement error (Jacobson & Truax).",
    "Wellbeing measure": "The wellbeing questionnaire used (SWEMWBS, WEMWBS or Well-being Star).",
    "Wellbeing latest": "Latest wellbeing score (SWEMWBS as the metric score).",
    "Wellbeing change": "Latest wellbeing score minus the baseline (points; positive is better).",
    "Wellbeing reliable?": "Whether the wellbeing change is beyond measurement error.",
    "Missed contacts": "Contacts the person did not attend (DNA) up to the meeting date.",
}


def list_table(flagged: pd.DataFrame) -> pd.DataFrame:
    """The MDT list with plain-English columns (LIST_COLUMNS), for the page and the pack."""
    rows = []
    for p in flagged.to_dict("records"):
        rows.append(
            {
                "Pseudonym": p["patient_id"],
                "Flags": flag_text(p["flags"], p),
                "Status": STATUS_LABELS.get(str(p["status"]), str(p["status"])),
                "Condition": labels.label(labels.CONDITIONS, p["condition"]),
                "Referred by": labels.label(labels.REFERRER_ROLES, p["referrer_role"]),
                "Referred": _as_date(p["referral_date"]),
                "Weeks waiting": _weeks(p.get("days_waiting")),
                "Weeks on caseload": _weeks(p.get("caseload_days")),
                "Link worker": None if _missing(p.get("worker_name")) else p["worker_name"],
                "Last contact": _as_date(p.get("last_contact_date")),
                "Next review due": _as_date(p.get("next_review_date")),
                "Goals open": int(p.get("goals_open_count") or 0),
                "Goals achieved": int(p.get("goals_achieved_count") or 0),
                "PSEQ latest": _number(p.get("pseq_latest")),
                "PSEQ change": _number(p.get("pseq_change")),
                "PSEQ reliable?": _reliable_label(p.get("pseq_reliable"), p.get("pseq_change")),
                "Wellbeing measure": p.get("wellbeing_instrument"),
                "Wellbeing latest": _number(p.get("wellbeing_latest")),
                "Wellbeing change": _number(p.get("wellbeing_change")),
                "Wellbeing reliable?": _reliable_label(
                    p.get("wellbeing_reliable"), p.get("wellbeing_change")
                ),
                "Missed contacts": int(p.get("dna_count") or 0),
            }
        )
    return pd.DataFrame(rows, columns=list(LIST_COLUMNS))


def _reliable_label(category: object, change: object) -> str | None:
    if _missing(change):
        return None
    return RELIABLE_LABELS.get(None if _missing(category) else category, "Not assessed")  # type: ignore[arg-type]


# ---------------------------------------------------------------- since the last meeting


def _between(values: pd.Series, after: dt.date, until: dt.date) -> pd.Series:
    days = pd.to_datetime(values)
    return (days > pd.Timestamp(after)) & (days <= pd.Timestamp(until))


def new_referrals(people: pd.DataFrame, last_meeting: dt.date, meeting: dt.date) -> pd.DataFrame:
    """Referrals dated after the last meeting, up to this one, with where they are now."""
    rows = people[_between(people["referral_date"], last_meeting, meeting)]
    return pd.DataFrame(
        {
            "Pseudonym": rows["patient_id"],
            "Referred": [_as_date(d) for d in rows["referral_date"]],
            "Condition": [labels.label(labels.CONDITIONS, c) for c in rows["condition"]],
            "Referred by": [labels.label(labels.REFERRER_ROLES, r) for r in rows["referrer_role"]],
            "Status": [STATUS_LABELS.get(s, s) for s in rows["status"]],
        }
    ).reset_index(drop=True)


def closures(people: pd.DataFrame, last_meeting: dt.date, meeting: dt.date) -> pd.DataFrame:
    """Discharges since the last meeting with their reasons, and referrals turned down at
    triage in the same weeks (with the reason as far as the data says)."""
    # whole columns at once (one date parse per column, not per person); rows kept in order
    discharged = _between(people["discharge_date"], last_meeting, meeting)
    triaged_on = [
        r if _missing(t) else t
        for t, r in zip(people["triage_date"], people["referral_date"], strict=True)
    ]
    turned_down = (
        ~discharged
        & (people["status"] == "not_taken_on")
        & _between(pd.Series(triaged_on, index=people.index, dtype=object), last_meeting, meeting)
    )
    records = []
    chosen = people[discharged | turned_down]
    for p, was_discharged in zip(
        chosen.to_dict("records"), discharged[discharged | turned_down], strict=True
    ):
        if was_discharged:
            records.append(
                {
                    "Pseudonym": p["patient_id"],
                    "Date": _as_date(p["discharge_date"]),
                    "What happened": "Discharged",
                    "Reason": labels.label(labels.DISCHARGE_REASONS, p["discharge_reason"]),
                }
            )
        else:
            records.append(
                {
                    "Pseudonym": p["patient_id"],
                    "Date": _as_date(p["triage_date"]) or _as_date(p["referral_date"]),
                    "What happened": labels.label(labels.TRIAGE_OUTCOMES, p["triage_outcome"]),
                    "Reason": not_taken_on_reason(
                        p["triage_outcome"],
                        p.get("symptom_months"),
                        p.get("age_at_referral_years"),
                        p.get("condition"),
                    ),
                }
            )
    frame = pd.DataFrame(records, columns=["Pseudonym", "Date", "What happened", "Reason"])
    return frame.sort_values(["Date", "Pseudonym"], kind="mergesort").reset_index(drop=True)


def score_movements(changes: pd.DataFrame) -> pd.DataFrame:
    """Scores that moved since the last meeting: reliable moves first."""
    rows = changes[changes["change_since_last_meeting_points"].notna()].copy()
    order = {DETERIORATED: 0, IMPROVED: 1, UNCHANGED: 2, None: 3}
    rows["_order"] = [order.get(c, 3) for c in rows["reliable_since_last_meeting"]]
    rows = rows.sort_values(["_order", "patient_id", "instrument"], kind="mergesort")
    return pd.DataFrame(
        {
            "Pseudonym": rows["patient_id"],
            "Questionnaire": rows["instrument"],
            "At the last meeting": rows["score_at_last_meeting"].astype(float),
            "Now": rows["latest_score"].astype(float),
            "Change (points)": rows["change_since_last_meeting_points"].astype(float),
            "Reliable?": [
                RELIABLE_LABELS.get(c, "Not assessed") for c in rows["reliable_since_last_meeting"]
            ],
            "Latest form": [_as_date(d) for d in rows["latest_date"]],
        }
    ).reset_index(drop=True)


# ---------------------------------------------------------------- the headline


def _fmt_count(value: object) -> str:
    return formats.fmt_count(value)


def _fmt_stat(value: object, digits: int, suffix: str = "", signed: bool = False) -> str:
    if signed:
        return formats.fmt_signed(value, digits, suffix, missing=formats.SUPPRESSED)
    return formats.fmt_number(value, digits, suffix, missing=formats.SUPPRESSED)


def headline_table(headline: pd.DataFrame, quarter_start: dt.date) -> pd.DataFrame:
    """mdt_headline's two rows (practice, service) as a Measure / This practice / Whole
    service table of display strings ("*" where disclosure control suppressed a figure)."""
    by_area = {str(r["area"]): r for r in headline.to_dict("records")}

    def cells(fn) -> list[str]:  # type: ignore[no-untyped-def]
        return [fn(by_area[a]) if a in by_area else "" for a in ("practice", "service")]

    def wait(r: Mapping[str, object]) -> str:
        if _missing(r["median_wait_days"]):
            n = r["first_contact_count"]
            return "no one first seen" if n == 0 else formats.SUPPRESSED
        return (
            f"{_fmt_stat(r['median_wait_days'], 1, ' days')} "
            f"({_fmt_count(r['first_contact_count'])} people)"
        )

    def pseq(r: Mapping[str, object]) -> str:
        if _missing(r["pseq_mean_change_points"]):
            return "no pairs yet" if r["pseq_pair_count"] == 0 else formats.SUPPRESSED
        return (
            f"{_fmt_stat(r['pseq_mean_change_points'], 1, ' points', signed=True)} "
            f"({_fmt_stat(r['pseq_mean_baseline_points'], 1)} to "
            f"{_fmt_stat(r['pseq_mean_latest_points'], 1)}; "
            f"{_fmt_count(r['pseq_pair_count'])} people)"
        )

    quarter = f"{quarter_start.day} {quarter_start:%b %Y}"
    measures = [
        (
            f"Referred this quarter (since {quarter})",
            cells(lambda r: _fmt_count(r["referred_quarter_count"])),
        ),
        ("Referred since the start", cells(lambda r: _fmt_count(r["referred_total_count"]))),
        ("Awaiting triage", cells(lambda r: _fmt_count(r["awaiting_triage_count"]))),
        ("Waiting for a first contact", cells(lambda r: _fmt_count(r["waiting_count"]))),
        ("People on the caseload", cells(lambda r: _fmt_count(r["caseload_count"]))),
        ("Discharged since the start", cells(lambda r: _fmt_count(r["discharged_count"]))),
        (
            "Median wait, referral to first contact (people first seen in the last 12 months)",
            cells(wait),
        ),
        ("PSEQ change so far, baseline to latest (mean; higher is better)", cells(pseq)),
    ]
    return pd.DataFrame(
        [{"Measure": m, "This practice": p, "Whole service": s} for m, (p, s) in measures]
    )


#: Warn when the practice's latest recorded contact is this many days before the meeting.
STALE_DATA_DAYS = 14


def latest_contact(people: pd.DataFrame) -> dt.date | None:
    """The latest attended contact of anyone in the list: a sign of how fresh the file is."""
    dates = [d for d in (_as_date(v) for v in people.get("last_contact_date", [])) if d]
    return max(dates) if dates else None


def stale_data_warning(people: pd.DataFrame, meeting_date: dt.date) -> str | None:
    """A sentence when the file seems older than the meeting, else None: contacts not yet
    imported would otherwise show up as 'no contact for six weeks'."""
    latest = latest_contact(people)
    if latest is None or (meeting_date - latest).days < STALE_DATA_DAYS:
        return None
    return (
        f"The latest contact on file for this practice is {latest.day} {latest:%b %Y}, "
        f"{(meeting_date - latest).days} days before the meeting. If newer contacts and "
        "questionnaires have not been imported yet, the 'no contact' and 'review due' flags "
        "overstate what is due."
    )


# ---------------------------------------------------------------- the page's words

RELIABLE_CHANGE_TEXT = (
    "A change is *reliable* when it is larger than measurement error allows (Jacobson & "
    "Truax 1991): more than 1.96 x sqrt(2) x SD x sqrt(1 - r) points, where r is the "
    "questionnaire's test-retest reliability and SD the spread of the baseline scores of the "
    "people with a baseline and a follow-up (the paired baselines), as on the Outcomes page "
    "(docs/methods.md). Empty reliability: no published test-retest value; changes not "
    "assessed."
)
NO_NOTES_CAPTION = (
    "Wellpath does **not** store free-text notes about any person (there are no clinical "
    "notes in this file). Record the meeting's discussion in the clinical record."
)
LIST_DEFINITION = (
    "The list holds everyone from this practice awaiting triage, waiting for a first contact "
    "or on the caseload on the meeting date, and anyone discharged to clinical care or turned "
    f"down at triage in the {RECENT_DAYS} days before it. It is sorted by the most serious "
    "flag (in the legend's order), then by how long the person has waited or been on the "
    "caseload. Weeks are whole weeks. **Last contact** is the latest attended contact (missed "
    f"ones are counted separately). **Next review due** is {REVIEW_INTERVAL_DAYS // 7} weeks "
    "after the latest complete questionnaire, or after the start on the caseload when there "
    "is none. Scores: the latest against the first (baseline) form of each questionnaire; "
    "wellbeing is SWEMWBS (metric score), or WEMWBS or the Well-being Star when that is what "
    "the person completed. The download has every column (condition, referrer, goals, latest "
    "scores, missed contacts)."
)


def narrowed_note(conditions: Iterable[str], worker_ids: Iterable[str]) -> str | None:
    """Say so when the sidebar limits the page to some conditions or link workers."""
    narrowed = [
        t
        for t, on in (("conditions", tuple(conditions)), ("link workers", tuple(worker_ids)))
        if on
    ]
    if not narrowed:
        return None
    return (
        f"The sidebar limits this page to some {' and '.join(narrowed)}: people outside them "
        "are not listed and not counted, for the practice or the service."
    )
