"""The data contract (docs/data-contract.md), declared once: tables, columns, rules.

The importer turns these declarations into SQL checks, the template builder into empty CSVs,
the docs and the import page into tables of columns, and the demo world into files that pass.
Change a rule here and every one of them follows.

Column kinds:
- `id`: an opaque identifier, at most 64 characters, stored as sent (trimmed).
- `text`: free text, stored as sent (trimmed).
- `ods`: an NHS ODS practice code (one letter and five digits), stored upper-case.
- `code`: one of `codes`, matched case-insensitively, stored lower-case (or upper-case when
  `upper` is set, as for instrument codes).
- `integer`, `decimal`: numbers within `minimum` .. `maximum` when those are given.
- `date`: ISO YYYY-MM-DD or UK DD/MM/YYYY; `month`: YYYY-MM, stored as the first of the month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_ID_LENGTH = 64

# An NHS ODS code for a GP practice: one letter and five digits (e.g. A86012).
ODS_PATTERN = r"[A-Za-z][0-9]{5}"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # id, text, ods, code, integer, decimal, date, month
    description: str = ""
    required: bool = False  # a value is required in every row (so the column must be sent)
    codes: tuple[str, ...] = ()
    upper: bool = False  # codes stored upper-case (instrument codes)
    minimum: float | None = None
    maximum: float | None = None
    min_exclusive: bool = False  # minimum itself is not allowed (fte > 0)
    default: str | None = None  # stored when the cell is empty
    references: str | None = None  # parent table whose key this column must match

    @property
    def type_label(self) -> str:
        """The type as the docs and templates describe it."""
        return {
            "id": "identifier",
            "text": "text",
            "ods": "ODS code",
            "code": "code",
            "integer": "whole number",
            "decimal": "number",
            "date": "date",
            "month": "month YYYY-MM",
        }[self.kind]


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    optional_file: bool = True
    notes: tuple[str, ...] = field(default=())

    @property
    def title(self) -> str:
        """The table's name on screen."""
        return TABLE_TITLES[self.name]

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Columns the file must carry: the key and every column whose value is required."""
        return tuple(c.name for c in self.columns if c.required or c.name in self.key)


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    item_count: int
    item_min: int
    item_max: int
    total_rule: str  # sum, mean (of the items given), none
    total_min: float | None
    total_max: float | None


def _instruments_from_scoring() -> dict[str, Instrument]:
    """The contract's view of the one instrument registry, `wellpath.scoring.INSTRUMENTS`
    (items, item range, how the total is written and its range), so the two never disagree."""
    from wellpath import scoring

    return {
        code: Instrument(
            code,
            inst.name,
            inst.item_count,
            inst.item_min,
            inst.item_max,
            inst.total_rule,
            None if inst.total_rule == "none" else inst.score_min,
            None if inst.total_rule == "none" else inst.score_max,
        )
        for code, inst in scoring.INSTRUMENTS.items()
    }


INSTRUMENTS: dict[str, Instrument] = _instruments_from_scoring()
ITEM_COLUMNS = tuple(f"item_{k:02d}" for k in range(1, 15))

ROLES = ("pilot", "comparison")
JOB_ROLES = ("link_worker", "health_coach", "clinical_lead", "other")
SEXES = ("female", "male", "other", "unknown")
ETHNIC_GROUPS = ("white", "mixed", "asian", "black", "other", "not_stated")
COHORTS = ("referred", "comparison")
REFERRER_ROLES = (
    "gp",
    "nurse",
    "physiotherapist",
    "pharmacist",
    "mental_health",
    "hospital_clinician",
    "community_hcp",
    "self",
    "other",
)
CONDITIONS = (
    "chronic_pain_msk",
    "fibromyalgia",
    "functional_neurological",
    "ibs",
    "chronic_fatigue",
    "diffuse_symptoms",
    "other",
)
TRIAGE_OUTCOMES = ("accepted", "not_eligible", "declined", "no_contact", "redirected")
DISCHARGE_REASONS = (
    "goals_met",
    "disengaged",
    "moved_away",
    "clinical_referral",
    "declined_further",
    "died",
    "other",
)
CONTACT_MODES = ("face_to_face", "phone", "video", "home_visit", "group", "text_or_email")
ATTENDANCE = ("attended", "dna", "cancelled")
GOAL_DOMAINS = (
    "community_groups",
    "relationships",
    "specialist_services",
    "healthy_eating",
    "getting_active",
    "benefits_welfare",
    "work_volunteering",
    "other",
)
GOAL_STATUSES = ("open", "achieved", "partly_achieved", "not_achieved", "withdrawn")

# Version 2 (docs/data-contract.md, "Version 2"): optional tables and columns.
ENGAGEMENT_KINDS = (
    "mdt_meeting",
    "training_session",
    "surgery_session",
    "case_discussion",
    "other",
)
BARRIERS = (
    "no_local_activity",
    "cost",
    "transport",
    "waiting_list",
    "health",
    "confidence",
    "other",
)
# A barrier says why a goal was not (fully) met, so only these statuses may carry one.
UNMET_STATUSES = ("not_achieved", "partly_achieved", "withdrawn")
CONSENTS = ("practice_only", "publishable")
MAX_STORY_TITLE = 120
MAX_STORY_TEXT = 2000
MAX_ENGAGEMENT_MINUTES = 480

MIN_BIRTH_YEAR = 1900
ADULT_AGE = 18
#: The service's eligibility (the pilot): adults (ADULT_AGE or over at referral, age from
#: birth year) with persistent symptoms for this many months, inclusive. Queries take them as
#: bound parameters ($min_age, $min_symptom_months, $max_symptom_months).
ELIGIBLE_SYMPTOM_MONTHS = (3, 36)


def eligibility_params() -> dict[str, int]:
    """The eligibility rule as the bound parameters queries use."""
    low, high = ELIGIBLE_SYMPTOM_MONTHS
    return {"min_age": ADULT_AGE, "min_symptom_months": low, "max_symptom_months": high}


MAX_CONTACT_MINUTES = 480
MAX_FTE = 1.5
#: Days in an average month (365.25 / 12): caseload and follow-up times in months.
DAYS_PER_MONTH = 30.4375


def _count(name: str, description: str) -> Column:
    return Column(name, "integer", description, minimum=0)


TABLES: tuple[Table, ...] = (
    Table(
        "practices",
        "GP practices taking part (and any comparison practices)",
        (
            Column(
                "practice_code", "ods", "NHS ODS code: one letter and 5 digits, e.g. A86012", True
            ),
            Column("practice_name", "text", "the practice's name", True),
            Column("pcn_code", "id", "primary care network code, e.g. U44695"),
            Column("pcn_name", "text", "primary care network name"),
            Column(
                "list_size", "integer", "registered patients; used for rates per 1,000", minimum=0
            ),
            Column("role", "code", "pilot (default) or comparison", codes=ROLES, default="pilot"),
        ),
        key=("practice_code",),
    ),
    Table(
        "link_workers",
        "the staff who hold caseloads",
        (
            Column("worker_id", "id", "your identifier for the worker", True),
            Column("display_name", "text", "name shown on the dashboard", True),
            Column("job_role", "code", "", codes=JOB_ROLES),
            Column(
                "fte",
                "decimal",
                "whole-time equivalent, more than 0 and at most 1.5",
                minimum=0,
                maximum=MAX_FTE,
                min_exclusive=True,
            ),
            Column("start_date", "date", "first day in post", True),
            Column("end_date", "date", "last day in post; not before start_date"),
        ),
        key=("worker_id",),
    ),
    Table(
        "patients",
        "pseudonymised people",
        (
            Column("patient_id", "id", "pseudonym; never an NHS number", True),
            Column("practice_code", "ods", "must be in practices", True, references="practices"),
            Column("birth_year", "integer", "1900 to this year", minimum=MIN_BIRTH_YEAR),
            Column("sex", "code", "", codes=SEXES),
            Column("ethnic_group", "code", "ONS 2021 high-level groups", codes=ETHNIC_GROUPS),
            Column("imd_decile", "integer", "1 (most deprived) to 10", minimum=1, maximum=10),
            Column(
                "cohort",
                "code",
                "referred (default) or comparison (not referred)",
                codes=COHORTS,
                default="referred",
            ),
        ),
        key=("patient_id",),
    ),
    Table(
        "referrals",
        "one episode of care",
        (
            Column("referral_id", "id", "your identifier for the referral", True),
            Column("patient_id", "id", "must be in patients", True, references="patients"),
            Column(
                "practice_code",
                "ods",
                "practice at referral; must be in practices",
                True,
                references="practices",
            ),
            Column("referral_date", "date", "not in the future; patient 18 or over", True),
            Column("referrer_role", "code", "", codes=REFERRER_ROLES),
            Column("condition", "code", "", codes=CONDITIONS),
            Column("symptom_months", "integer", "months with symptoms at referral", minimum=0),
            Column("triage_outcome", "code", "empty = awaiting triage", codes=TRIAGE_OUTCOMES),
            Column("triage_date", "date", "not before referral_date"),
            Column(
                "worker_id", "id", "must be in link_workers when given", references="link_workers"
            ),
            Column("first_contact_date", "date", "not before referral_date"),
            Column("action_plan_date", "date", "not before first_contact_date"),
            Column("discharge_date", "date", "not before referral_date; empty = still open"),
            Column(
                "discharge_reason",
                "code",
                "required when discharge_date is given",
                codes=DISCHARGE_REASONS,
            ),
        ),
        key=("referral_id",),
    ),
    Table(
        "contacts",
        "every contact between link worker and patient",
        (
            Column("contact_id", "id", "your identifier for the contact", True),
            Column("referral_id", "id", "must be in referrals", True, references="referrals"),
            Column("contact_date", "date", "not before its referral's referral_date", True),
            Column("mode", "code", "", codes=CONTACT_MODES),
            Column("minutes", "integer", "0 to 480", minimum=0, maximum=MAX_CONTACT_MINUTES),
            Column("attendance", "code", "dna = did not attend", codes=ATTENDANCE),
        ),
        key=("contact_id",),
    ),
    Table(
        "goals",
        "the agreed action plan, one row per goal",
        (
            Column("goal_id", "id", "your identifier for the goal", True),
            Column("referral_id", "id", "must be in referrals", True, references="referrals"),
            Column("domain", "code", "", codes=GOAL_DOMAINS),
            Column("agreed_date", "date", "", True),
            Column("status", "code", "", codes=GOAL_STATUSES),
            Column("closed_date", "date", "required unless status is open"),
            Column(
                "barrier",
                "code",
                "version 2, optional: why the goal was not met; only when status is "
                "not_achieved, partly_achieved or withdrawn",
                codes=BARRIERS,
            ),
        ),
        key=("goal_id",),
    ),
    Table(
        "assessments",
        "one completed questionnaire",
        (
            Column("assessment_id", "id", "your identifier for the form", True),
            Column("referral_id", "id", "must be in referrals", True, references="referrals"),
            Column(
                "instrument",
                "code",
                "the questionnaire",
                True,
                codes=tuple(INSTRUMENTS),
                upper=True,
            ),
            Column("assessment_date", "date", "", True),
            *(
                Column(c, "integer", "the instrument's item in order; empty beyond its count")
                for c in ITEM_COLUMNS
            ),
            Column(
                "total",
                "decimal",
                "optional: the form's total (SWEMWBS raw sum; PSFS mean; ONS4 empty)",
            ),
        ),
        key=("assessment_id",),
    ),
    Table(
        "healthcare_use",
        "monthly counts from the GP system and hospital data (SUS)",
        (
            Column("patient_id", "id", "must be in patients", True, references="patients"),
            Column("month", "month", "YYYY-MM", True),
            _count("gp_appointments", "GP appointments in the month"),
            _count("ae_attendances", "A&E attendances"),
            _count("outpatient_attendances", "outpatient attendances"),
            _count("nonelective_admissions", "non-elective (emergency) admissions"),
        ),
        key=("patient_id", "month"),
    ),
    Table(
        "prescriptions",
        "monthly medicine issues relevant to persistent pain (optional)",
        (
            Column("patient_id", "id", "must be in patients", True, references="patients"),
            Column("month", "month", "YYYY-MM", True),
            _count("opioid_items", "opioid items issued"),
            _count("gabapentinoid_items", "gabapentinoid items issued"),
            _count("antidepressant_items", "antidepressant items issued"),
        ),
        key=("patient_id", "month"),
    ),
    Table(
        "practice_engagement",
        "version 2, optional: the link worker's time with a practice (MDT meetings, sessions)",
        (
            Column("engagement_id", "id", "your identifier for the session", True),
            Column("practice_code", "ods", "must be in practices", True, references="practices"),
            Column("worker_id", "id", "must be in link_workers", True, references="link_workers"),
            Column("engagement_date", "date", "not in the future", True),
            Column("kind", "code", "", True, codes=ENGAGEMENT_KINDS),
            Column("minutes", "integer", "0 to 480", minimum=0, maximum=MAX_ENGAGEMENT_MINUTES),
        ),
        key=("engagement_id",),
    ),
    Table(
        "stories",
        "version 2, optional: a person's own account, with their consent",
        (
            Column("story_id", "id", "your identifier for the story", True),
            Column("referral_id", "id", "must be in referrals", True, references="referrals"),
            Column("story_date", "date", "not in the future", True),
            Column(
                "consent",
                "code",
                "practice_only (the practice's MDT may read it) or publishable (may appear in "
                "reports)",
                True,
                codes=CONSENTS,
            ),
            Column("title", "text", f"at most {MAX_STORY_TITLE} characters", True),
            Column(
                "text",
                "text",
                f"at most {MAX_STORY_TEXT:,} characters; no NHS number, e-mail address, phone "
                "number or postcode",
                True,
            ),
        ),
        key=("story_id",),
    ),
)

TABLE_TITLES = {
    "practices": "Practices",
    "link_workers": "Link workers",
    "patients": "Patients",
    "referrals": "Referrals",
    "contacts": "Contacts",
    "goals": "Goals",
    "assessments": "Questionnaires (assessments)",
    "healthcare_use": "Healthcare use",
    "prescriptions": "Prescriptions",
    "practice_engagement": "Practice engagement",
    "stories": "Stories",
}
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
TABLE_NAMES: tuple[str, ...] = tuple(t.name for t in TABLES)  # parents before children


def table(name: str) -> Table:
    return TABLES_BY_NAME[name]


# How an NHS number may be spelled in an export (see docs/data-contract.md, "NHS numbers"):
# separators anywhere between its digits (spaces of any kind, dots, slashes, any dash,
# zero-width and other invisible characters), full-width digits, an "NHS" or "NHS no:"
# prefix, a leading apostrophe (Excel's text marker), a trailing .0 and scientific notation
# (what a spreadsheet makes of a number). The SQL twin is wellpath.importer.rules.
NHS_SEPARATOR_RANGES: tuple[tuple[int, int], ...] = (
    (0x09, 0x0D),  # tab, line breaks
    (0x20, 0x20),  # space
    (0x2D, 0x2F),  # - . /
    (0x5C, 0x5C),  # backslash
    (0x5F, 0x5F),  # _
    (0xA0, 0xA0),  # no-break space
    (0xAD, 0xAD),  # soft hyphen
    (0xB7, 0xB7),  # middle dot
    (0x1680, 0x1680),
    (0x180E, 0x180E),
    (0x2000, 0x200F),  # spaces of every width, zero-width space/joiners, direction marks
    (0x2010, 0x2015),  # hyphen, non-breaking hyphen, figure dash, en dash, em dash, bar
    (0x2028, 0x202F),  # line/paragraph separators, embedding controls, narrow no-break space
    (0x205F, 0x2064),  # medium space, word joiner, invisible operators
    (0x2212, 0x2212),  # minus sign
    (0x3000, 0x3000),  # ideographic space
    (0xFE58, 0xFE58),
    (0xFE63, 0xFE63),
    (0xFEFF, 0xFEFF),  # zero-width no-break space (BOM)
    (0xFF0D, 0xFF0F),  # full-width - . /
)
FULLWIDTH_DIGITS = "".join(chr(0xFF10 + i) for i in range(10))
_SEP = (
    "["
    + "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in NHS_SEPARATOR_RANGES
    )
    + "]"
)
_TO_ASCII = str.maketrans(FULLWIDTH_DIGITS, "0123456789")
NHS_PREFIX = r"^'?(nhs(no|num|number|#)?[:#]?)?"  # applied after separators are removed
SCIENTIFIC = r"[+]?([0-9])[.,]([0-9]+)[eE][+]?([0-9]{1,2})"
_SEP_RE = re.compile(_SEP)
_SEP_NOT_DOT_RE = re.compile(f"(?!\\.){_SEP}")
_SEPS_RE = re.compile(_SEP + "+")
_PREFIX_RE = re.compile(NHS_PREFIX, re.IGNORECASE)
_SCI_RE = re.compile(SCIENTIFIC)
_ZERO_TAIL_RE = re.compile(r"[.,]0+" + _SEP + "*$")
_TOKEN_RE = re.compile("[0-9](?:" + _SEP + "{0,3}[0-9])*")
_DECIMAL_ZEROS_RE = re.compile(r"([0-9])[.,]0+(?![0-9])")
# Ten digits with at most three other characters between each: any spelling of an NHS number
# has them, so cells without them are not looked at further (the importer's cheap first test).
NHS_PREFILTER = (
    f"[0-9{FULLWIDTH_DIGITS}](?:[^0-9{FULLWIDTH_DIGITS}]{{0,3}}[0-9{FULLWIDTH_DIGITS}]){{9}}"
)
_PREFILTER_RE = re.compile(NHS_PREFILTER)


def _modulus_11(digits: str) -> bool:
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return check != 10 and check == int(digits[9])


def nhs_digits(value: str) -> str:
    """The ten digits an identifier cell would be if it were an NHS number, however spelled
    (or whatever is left when it is not one)."""
    text = value.translate(_TO_ASCII).strip()
    sci = _SCI_RE.fullmatch(_SEP_NOT_DOT_RE.sub("", text))
    if sci:
        whole, frac, exp = sci.group(1), sci.group(2), int(sci.group(3))
        return whole + frac + "0" * (exp - len(frac)) if exp >= len(frac) else ""
    text = _ZERO_TAIL_RE.sub("", text)
    return _PREFIX_RE.sub("", _SEP_RE.sub("", text))


def is_nhs_number(value: str) -> bool:
    """True when the whole cell is an NHS number: 10 digits passing the NHS Modulus 11 check,
    however spelled (943 476 5919, 943.476.5919, '9434765919, 9434765919.0,
    9.434765919E+09, NHS 9434765919, full-width digits, invisible characters...).

    Weights 10..2 on the first nine digits; check digit = 11 - (sum mod 11), 11 -> 0, and 10
    means the number can never be valid.
    """
    return bool(_PREFILTER_RE.search(value)) and _modulus_11(nhs_digits(value))


def contains_nhs_number(text: str) -> bool:
    """True when the cell is an NHS number, or free text (a name, a note) holds one: a run of
    digits (separators allowed between them) of which some whole groups make 10 digits
    passing the Modulus 11 check."""
    if not _PREFILTER_RE.search(text):
        return False
    if is_nhs_number(text):
        return True
    text = _DECIMAL_ZEROS_RE.sub(r"\1", text.translate(_TO_ASCII))
    for token in _TOKEN_RE.findall(text):
        groups = _SEPS_RE.split(token)
        for i in range(len(groups)):
            joined = ""
            for g in groups[i : i + 10]:
                joined += g
                if len(joined) >= 10:
                    break
            if len(joined) == 10 and _modulus_11(joined):
                return True
    return False
