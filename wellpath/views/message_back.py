"""The message back to the GP at discharge: one page per person discharged in the period.

Person-level, so only for unrounded scopes (the practice team, the programme lead); a
rounded scope gets a refusal and no rows. Reliable change (Jacobson & Truax) uses the SD of
the paired baselines of the service's pairs in scope and period (the latest-follow-up pairs of
queries/paired_scores.sql, read counted from queries/outcome_score_pairs.sql: the same SD as
the Outcomes page's, without one row per person), with the instrument's published
test-retest reliability.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from wellpath import data, formats, labels, outcomes, stats
from wellpath import message_back as mb
from wellpath.scope import Filters, Scope

REFUSAL = (
    "Messages back to the GP are about one person each, so they are shown only to the "
    "practice team and the programme lead (unrounded views), not with publishable figures."
)


@dataclass(frozen=True)
class MessageBack:
    allowed: bool
    message: str
    people: pd.DataFrame  # the people written: referral_id, a label and the practice
    messages: tuple[mb.Message, ...]


def baseline_sds(pairs: pd.DataFrame) -> dict[str, float]:
    """Per measure, the SD of the paired baselines (measures.md: the same SD on every page),
    from paired_scores rows (one per pair) or outcome_score_pairs rows (counted: a
    pair_weight column)."""
    if pairs.empty:
        return {}
    out = {}
    for m, g in pairs.groupby("measure"):
        values = g["baseline_score"].astype(float).to_numpy()
        weights = (
            g["pair_weight"].astype(float).to_numpy()
            if "pair_weight" in g.columns
            else np.ones(len(values))
        )
        # the SD the Outcomes page's reliable change uses (stats.paired_change_counted)
        out[str(m)] = stats._weighted_sd(values, weights, int(weights.sum()))
    return out


def reliable_text(measure: str, start: object, end: object, sd: float | None) -> str:
    if formats.is_missing(start) or formats.is_missing(end):
        return "no score at the end"
    info = outcomes.MEASURES.get(measure)
    if info is None or info.reliability is None:
        return "not assessed (no published reliability)"
    if sd is None or formats.is_missing(sd) or sd <= 0:
        return "not assessed (too few pairs for the SD)"
    result = stats.reliable_change(
        [float(start)], [float(end)], reliability=info.reliability, sd=sd,  # type: ignore[arg-type]
        higher_is_better=info.higher_is_better,
    )[0]  # fmt: skip
    return {"improved": "reliably better", "deteriorated": "reliably worse"}.get(
        result, "no reliable change"
    )


def _goal_outcome(status: object, closed_date: object) -> str:
    text = labels.label(labels.GOAL_STATUSES, status) if status else "not recorded"
    closed = formats.uk_date(closed_date)
    return f"{text}, {closed}" if closed else text


def _practice_label(name: object, code: object) -> str:
    """How a practice is named on this page: "Name (code)"."""
    return f"{name} ({code})"


def _rows_by_referral(frame: pd.DataFrame) -> dict[str, list]:
    """Each referral's rows as tuples (in the query's order): one pass over plain tuples,
    not a DataFrame per person."""
    out: dict[str, list] = {}
    for row in frame.itertuples(index=False):
        out.setdefault(row.referral_id, []).append(row)
    return out


@dataclass(frozen=True)
class Discharges:
    """Who was discharged in the period, counted per practice, for choosing whose messages
    to write; no person's row (those are read one practice at a time, `people`)."""

    allowed: bool
    message: str
    total: int
    practices: dict[str, str]  # practice code -> "Name (code)", in code order

    @property
    def one_practice_at_a_time(self) -> bool:
        """Whether the list is too long to show whole: choose a practice first."""
        return self.total > LIST_LIMIT


#: Above this many people discharged in the period, the page lists one practice's at a time
#: (a national service discharges hundreds of thousands in a year: one list of them all took
#: 13 GB and 112 s to draw, and reading and labelling them all still took seconds).
LIST_LIMIT = 2000


@data.cached_view
def discharges(scope: Scope, filters: Filters) -> Discharges:
    """How many people were discharged in the period, and at which practices."""
    if scope.rounded:
        return Discharges(False, REFUSAL, 0, {})
    counts = data.query("discharged_by_practice", scope, filters)
    if counts.empty:
        return Discharges(True, "No one was discharged in this period.", 0, {})
    return Discharges(
        True,
        "",
        int(counts["discharged_count"].sum()),
        {
            str(code): _practice_label(name, code)
            for code, name in zip(counts["practice_code"], counts["practice_name"], strict=True)
        },
    )


@data.cached_view
def people(scope: Scope, filters: Filters, *, practice_code: str | None) -> pd.DataFrame:
    """The people to choose from (referral_id, a label, the practice): everyone discharged
    in the period, or one practice's (read alone: the filters narrowed to it)."""
    if scope.rounded:
        return pd.DataFrame()
    if practice_code is not None:
        if not scope.allows(practice_code):
            return pd.DataFrame(columns=["referral_id", "label", "practice"])
        filters = replace(filters, practice_codes=(practice_code,))
    return _choices(data.query("discharged_people", scope, filters, referral_ids=None))


@data.cached_view
def messages(scope: Scope, filters: Filters) -> MessageBack:
    """Every person discharged in the period, each as a message (already text)."""
    return _messages(scope, filters, None)


@data.cached_view
def chosen_messages(
    scope: Scope, filters: Filters, *, referral_ids: tuple[str, ...]
) -> MessageBack:
    """Messages for the chosen people only: the same messages as `messages` has for them
    (the SDs are still the whole scope's), reading only their rows."""
    return _messages(scope, filters, frozenset(referral_ids))


def _messages(scope: Scope, filters: Filters, only: frozenset[str] | None) -> MessageBack:
    if scope.rounded:
        return MessageBack(False, REFUSAL, pd.DataFrame(), ())
    if only is not None and not only:
        return MessageBack(True, "", pd.DataFrame(), ())
    # the chosen people's rows only (None: everyone's)
    wanted = None if only is None else sorted(only)
    people = data.query("discharged_people", scope, filters, referral_ids=wanted)
    if people.empty:
        return MessageBack(True, "No one was discharged in this period.", pd.DataFrame(), ())
    goals = data.query("discharged_goals", scope, filters, referral_ids=wanted)
    scores = data.query("discharged_scores", scope, filters, referral_ids=wanted)
    sds = baseline_sds(
        data.query("outcome_score_pairs", scope, filters, time_point_months=None, window_days=None)
    )
    # Each person's rows found once (in their order in the query): filtering both frames per
    # person was quadratic (minutes for 27,705 people), and a pandas grouping made a
    # DataFrame per person (13 s at ICB scale).
    goals_of = _rows_by_referral(goals)
    scores_of = _rows_by_referral(scores)
    out = []
    for p in people.itertuples(index=False):
        score_rows = []
        for r in scores_of.get(p.referral_id, ()):
            info = outcomes.MEASURES.get(r.measure)
            digits = 0 if float(r.start_score).is_integer() else 1
            score_rows.append(
                (
                    info.label if info else str(r.measure),
                    f"{formats.fmt_number(r.start_score, digits)} ({formats.uk_date(r.start_date)})",
                    formats.NO_DATA if formats.is_missing(r.end_score)
                    else f"{formats.fmt_number(r.end_score, digits)} ({formats.uk_date(r.end_date)})",
                    reliable_text(r.measure, r.start_score, r.end_score, sds.get(r.measure)),
                )
            )  # fmt: skip
        contacts = (
            f"{int(p.contacts_attended)} attended, "
            f"{int(p.contacts_dna)} not attended, {int(p.contacts_cancelled)} cancelled"
        )
        out.append(
            mb.Message(
                pseudonym=str(p.patient_id),
                practice=_practice_label(p.practice_name, p.practice_code),
                referral_date=formats.uk_date(p.referral_date),
                first_contact_date=formats.uk_date(p.first_contact_date, missing=mb.NOT_RECORDED),
                discharge_date=formats.uk_date(p.discharge_date),
                contacts=contacts,
                goals=tuple(
                    (
                        labels.label(labels.GOAL_DOMAINS, r.domain),
                        _goal_outcome(r.status, r.closed_date),
                    )
                    for r in goals_of.get(p.referral_id, ())
                ),
                scores=tuple(score_rows),
                discharge_reason=labels.label(labels.DISCHARGE_REASONS, p.discharge_reason)
                if p.discharge_reason
                else mb.NOT_RECORDED,
            )  # fmt: skip
        )
    return MessageBack(True, "", _choices(people), tuple(out))


def _choices(every: pd.DataFrame) -> pd.DataFrame:
    """referral_id, a label and the practice (name and code) of each person, for choosing."""
    # each date written once (a year has 365 of them; a national list 717,834 people)
    dates = {d: formats.uk_date(d) for d in dict.fromkeys(every["discharge_date"])}
    return pd.DataFrame(
        {
            "referral_id": every["referral_id"],
            "label": [
                f"{patient}, discharged {dates[date]} ({name})"
                for patient, date, name in zip(
                    every["patient_id"],
                    every["discharge_date"],
                    every["practice_name"],
                    strict=True,
                )
            ],
            "practice": [
                _practice_label(name, code)
                for name, code in zip(every["practice_name"], every["practice_code"], strict=True)
            ],
        }
    )


def document(scope: Scope, filters: Filters, *, referral_ids: tuple[str, ...]) -> str | None:
    """The HTML of the chosen people's messages (one page each); None when refused."""
    result = chosen_messages(scope, filters, referral_ids=tuple(sorted(set(referral_ids))))
    if not result.allowed:
        return None
    return mb.build_html(list(result.messages))


def pdf(html_document: str) -> bytes:
    """The PDF of a document from `document` (raises pack.PackUnavailable without Chromium)."""
    return mb.to_pdf(html_document)
