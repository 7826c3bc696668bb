"""Plain-English labels for the contract's codes, shown on screen instead of the codes."""

from __future__ import annotations

CONDITIONS = {
    "chronic_pain_msk": "Chronic pain (musculoskeletal)",
    "fibromyalgia": "Fibromyalgia",
    "functional_neurological": "Functional neurological symptoms",
    "ibs": "Irritable bowel syndrome",
    "chronic_fatigue": "Chronic fatigue",
    "diffuse_symptoms": "Diffuse symptoms",
    "other": "Other",
}

REFERRER_ROLES = {
    "gp": "GP",
    "nurse": "Nurse",
    "physiotherapist": "Physiotherapist",
    "pharmacist": "Pharmacist",
    "mental_health": "Mental health practitioner",
    "hospital_clinician": "Hospital clinician",
    "community_hcp": "Community health professional",
    "self": "Self-referral",
    "other": "Other",
}

TRIAGE_OUTCOMES = {
    "accepted": "Accepted",
    "not_eligible": "Not eligible",
    "declined": "Declined",
    "no_contact": "No contact",
    "redirected": "Redirected to long-term conditions service",
    None: "Awaiting triage",
}

DISCHARGE_REASONS = {
    "goals_met": "Goals met",
    "disengaged": "Disengaged",
    "moved_away": "Moved away",
    "clinical_referral": "Returned to clinical care",
    "declined_further": "Declined further support",
    "died": "Died",
    "other": "Other",
}

CONTACT_MODES = {
    "face_to_face": "Face to face",
    "phone": "Phone",
    "video": "Video",
    "home_visit": "Home visit",
    "group": "Group",
    "text_or_email": "Text or email",
}

ATTENDANCE = {"attended": "Attended", "dna": "Did not attend", "cancelled": "Cancelled"}

GOAL_DOMAINS = {
    "community_groups": "Community groups",
    "relationships": "Relationships",
    "specialist_services": "Specialist services",
    "healthy_eating": "Healthy eating",
    "getting_active": "Getting active",
    "benefits_welfare": "Benefits and welfare",
    "work_volunteering": "Work and volunteering",
    "other": "Other",
}

GOAL_STATUSES = {
    "open": "Open",
    "achieved": "Achieved",
    "partly_achieved": "Partly achieved",
    "not_achieved": "Not achieved",
    "withdrawn": "Withdrawn",
}

SEXES = {"female": "Female", "male": "Male", "other": "Other", "unknown": "Unknown"}

ETHNIC_GROUPS = {
    "white": "White",
    "mixed": "Mixed or multiple",
    "asian": "Asian or Asian British",
    "black": "Black, Black British, Caribbean or African",
    "other": "Other ethnic group",
    "not_stated": "Not stated",
}

JOB_ROLES = {
    "link_worker": "Link worker",
    "health_coach": "Health coach",
    "clinical_lead": "Clinical lead",
    "other": "Other",
}


def label(mapping: dict, code: object) -> str:
    """The label for a code, or the code itself when it has none."""
    if code is None or (isinstance(code, float) and code != code):
        return mapping.get(None, "Unknown")
    return mapping.get(code, str(code))
