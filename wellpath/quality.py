"""Data quality: plain-English names for the contract's tables and fields, what each
consistency check means, and the small reshaping the Data quality page needs.

The counting is done in SQL (queries/dq_*.sql); this module only labels and arranges
aggregated results, so it is pure and testable without a database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from wellpath import contract
from wellpath.formats import uk_date

TABLES: dict[str, str] = {
    "practices": "Practices",
    "link_workers": "Link workers",
    "patients": "Patients",
    "referrals": "Referrals",
    "contacts": "Contacts",
    "goals": "Action-plan goals",
    "assessments": "Questionnaires",
    "healthcare_use": "Healthcare use",
    "prescriptions": "Prescriptions",
    "practice_engagement": "Practice engagement",
    "stories": "Stories",
}

# Fields the contract requires (or fills with a default): always complete once loaded, since
# a row without them is rejected. Listed so the page can say so instead of looking perfect.
REQUIRED: dict[str, frozenset[str]] = {
    "practices": frozenset({"practice_code", "practice_name", "role"}),
    "link_workers": frozenset({"worker_id", "display_name", "start_date"}),
    "patients": frozenset({"patient_id", "practice_code", "cohort"}),
    "referrals": frozenset({"referral_id", "patient_id", "practice_code", "referral_date"}),
    "contacts": frozenset({"contact_id", "referral_id", "contact_date"}),
    "goals": frozenset({"goal_id", "referral_id", "agreed_date"}),
    "assessments": frozenset({"assessment_id", "referral_id", "instrument", "assessment_date"}),
    "healthcare_use": frozenset({"patient_id", "month"}),
    "prescriptions": frozenset({"patient_id", "month"}),
}

# Fields that are empty for a good reason, so a low figure is not a fault in itself.
EMPTY_MEANS: dict[tuple[str, str], str] = {
    ("link_workers", "end_date"): "empty while still in post",
    ("referrals", "triage_outcome"): "empty while awaiting triage",
    ("referrals", "triage_date"): "empty while awaiting triage",
    ("referrals", "worker_id"): "empty until a link worker is allocated",
    ("referrals", "first_contact_date"): "empty while waiting, or if never seen",
    ("referrals", "action_plan_date"): "empty until a plan is agreed",
    ("referrals", "discharge_date"): "empty while still on the caseload",
    ("referrals", "discharge_reason"): "empty while still on the caseload",
    ("goals", "closed_date"): "empty while the goal is open",
    ("assessments", "items"): "share of complete forms: every item, or a total, given",
    ("assessments", "total"): "optional; ONS4 has no total",
    ("patients", "imd_decile"): "optional in the contract",
}

FIELD_NAMES: dict[str, str] = {
    "imd_decile": "IMD decile",
    "fte": "FTE",
    "pcn_code": "PCN code",
    "pcn_name": "PCN name",
    "ae_attendances": "A&E attendances",
    "gp_appointments": "GP appointments",
    "nonelective_admissions": "Non-elective admissions",
    "items": "Items (complete forms)",
}


def field_name(column: str) -> str:
    """'first_contact_date' -> 'First contact date'."""
    if column in FIELD_NAMES:
        return FIELD_NAMES[column]
    return column.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Check:
    title: str
    looks_at: str
    why: str


CHECKS: dict[str, Check] = {
    "accepted_no_worker": Check(
        "Accepted with no link worker recorded",
        "accepted referrals made in the period",
        "Caseload and link-worker figures leave these people out.",
    ),
    "awaiting_triage_over_14_days": Check(
        "Awaiting triage for more than 14 days",
        "referrals not yet triaged on the report date",
        "Either triage is slow or the outcome was not recorded.",
    ),
    "waiting_first_contact_over_42_days": Check(
        "Accepted, no first contact after 6 weeks",
        "accepted referrals waiting for a first contact on the report date",
        "Long waits, or a first contact that was not recorded.",
    ),
    "open_no_contact_90_days": Check(
        "On the caseload, no contact for 90 days",
        "people on the active caseload on the report date",
        "Probably disengaged and due for discharge, or contacts are missing.",
    ),
    "no_action_plan_after_8_weeks": Check(
        "No action plan 8 weeks after first contact",
        "people on the active caseload first seen more than 8 weeks before the report date",
        "The action plan date may not have been recorded.",
    ),
    "attended_but_no_first_contact_date": Check(
        "Attended a contact but no first contact date",
        "referrals made in the period with at least one attended contact",
        "Waits cannot be worked out and the person is missing from the caseload.",
    ),
    "attended_before_first_contact_date": Check(
        "Attended a contact before the recorded first contact",
        "referrals made in the period with a first contact date and an attended contact",
        "The wait is worked out from the first contact date, so it is overstated.",
    ),
    "contact_after_discharge": Check(
        "Contact recorded after discharge",
        "referrals discharged in the period",
        "The discharge date or the contact date is probably wrong.",
    ),
    "action_plan_without_first_contact": Check(
        "Action plan but no first contact",
        "referrals made in the period with an action plan date",
        "A plan is agreed at or after the first contact: one of the two dates is wrong or "
        "missing, and the person is missing from waits and the caseload.",
    ),
    "record_before_referral": Check(
        "Contact, goal or questionnaire dated before the referral",
        "referrals made in the period",
        "Records before the referral date belong to another referral or carry a wrong date; "
        "a questionnaire before it is taken as the baseline.",
    ),
    "accepted_outside_eligibility": Check(
        "Accepted outside the eligibility criteria",
        "accepted referrals made in the period",
        f"Under {contract.ADULT_AGE} at referral, or symptoms for less than "
        f"{contract.ELIGIBLE_SYMPTOM_MONTHS[0]} or more than "
        f"{contract.ELIGIBLE_SYMPTOM_MONTHS[1]} months.",
    ),
}


def completeness_view(frame: pd.DataFrame) -> pd.DataFrame:
    """dq_field_completeness rows labelled for people: table, field, required, note."""
    out = pd.DataFrame(
        {
            "Table": frame["table_name"].map(lambda t: TABLES.get(t, t)),
            "Field": frame["column_name"].map(field_name),
            "Required": [
                c in REQUIRED.get(t, frozenset())
                for t, c in zip(frame["table_name"], frame["column_name"], strict=True)
            ],
            "Rows": frame["row_count"],
            "Filled in": frame["filled_count"],
            "Filled in (%)": frame["filled_pct"],
            "Note": [
                EMPTY_MEANS.get((t, c), "")
                for t, c in zip(frame["table_name"], frame["column_name"], strict=True)
            ],
        }
    )
    return out.reset_index(drop=True)


def optional_fields(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """The optional fields of one table (the ones worth charting), lowest first."""
    rows = frame[
        (frame["table_name"] == table)
        & ~frame["column_name"].isin(REQUIRED.get(table, frozenset()))
        & (frame["row_count"].fillna(0) > 0)
    ]
    return rows.sort_values("filled_pct", ascending=True, na_position="first")


def checks_view(frame: pd.DataFrame) -> pd.DataFrame:
    """dq_consistency_checks rows with each check's title, population and reason."""
    checks = [CHECKS.get(c, Check(c, "", "")) for c in frame["check_id"]]
    return pd.DataFrame(
        {
            "Check": [c.title for c in checks],
            "Flagged": frame["flagged_count"].to_numpy(),
            "Out of": frame["population_count"].to_numpy(),
            "Flagged (%)": frame["flagged_pct"].to_numpy(),
            "Looks at": [c.looks_at for c in checks],
            "Why it matters": [c.why for c in checks],
        }
    )


def freshness_view(
    frame: pd.DataFrame, practice_names: dict[str, str], today: dt.date
) -> pd.DataFrame:
    """dq_data_freshness as one row per practice, one column per table: the latest date and
    how many days before today it was, e.g. '3 Nov 2026 (21 days)' (short, so that six columns
    fit the page at 1440 px); 'none' when nothing is on file."""

    def describe(latest: object, days: object) -> str:
        if latest is None or pd.isna(latest):
            return "none"
        latest_date = pd.Timestamp(latest).date()
        ago = int(days) if days is not None and not pd.isna(days) else (today - latest_date).days
        when = {0: "today", 1: "yesterday"}.get(ago, f"{ago} days")
        return f"{uk_date(latest_date)} ({when})"

    if frame.empty:
        return pd.DataFrame(columns=["Practice"])
    # Once per distinct (date, days): 31,500 cells at national scale share about a thousand.
    texts: dict[tuple[object, object], str] = {}

    def text(latest: object, days: object) -> str:
        key = (None, None) if latest is None or pd.isna(latest) else (latest, days)
        if key not in texts:
            texts[key] = describe(latest, days)
        return texts[key]

    cells = frame.assign(
        text=[
            text(latest, days)
            for latest, days in zip(frame["latest_date"], frame["days_since_latest"], strict=True)
        ],
        table=frame["table_name"].map(lambda t: TABLES.get(t, t)),
    )
    order = [TABLES.get(t, t) for t in dict.fromkeys(frame["table_name"])]
    wide = cells.pivot(index="practice_code", columns="table", values="text")[order]
    comparison = set(
        frame.loc[frame.get("practice_role", pd.Series(dtype=str)) == "comparison", "practice_code"]
    )
    wide.index = [
        f"{practice_names.get(c, c)} ({c})" + (", comparison" if c in comparison else "")
        for c in wide.index
    ]
    wide.index.name = "Practice"
    return wide.reset_index()


def stale_sources(frame: pd.DataFrame, older_than_days: int) -> pd.DataFrame:
    """Practice and table pairs whose latest record is older than the limit, or missing
    (referrals, contacts and questionnaires only: monthly extracts lag by design; pilot
    practices only: comparison practices send no referrals)."""
    live = frame[
        frame["table_name"].isin(["referrals", "contacts", "assessments"])
        & (frame.get("practice_role", pd.Series("pilot", index=frame.index)) != "comparison")
    ]
    stale = live["latest_date"].isna() | (live["days_since_latest"] > older_than_days)
    return live[stale]
