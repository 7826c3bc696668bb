"""The MDT meeting page's sections and its pack, computed and protected for the viewer.

The headline is aggregate (rounded and suppressed in a rounded scope). The list of people,
the charts of people and the pack are person-level: in a rounded scope `meeting` refuses
(`Meeting.refused` says why) rather than rounding pseudonyms."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from wellpath import access, auth, data, formats, mdt, pack, theme
from wellpath.charts import mdt as charts
from wellpath.scope import Filters, Scope
from wellpath.scoring import INSTRUMENTS
from wellpath.views import integration
from wellpath.views import star as star_views

REFUSED = (
    "**Not available in publishable figures.** The list of people, its charts and the "
    "meeting pack are person-level, for the practice team only. With publishable figures on, "
    "this page shows the headline above, with small numbers suppressed (*) and other counts "
    "rounded to the nearest 5."
)

PRACTICE_HELP = (
    "One practice at a time: its own team's meeting. Only practices in your view (and in the "
    "sidebar's practice filters) are offered."
)
LAST_MEETING_HELP = "For the 'since the last meeting' section. Clear it to leave that section out."
#: Widths of the headline's columns on screen.
HEADLINE_WIDTHS = {"Measure": "large", "This practice": "medium", "Whole service": "medium"}

#: The list's columns on screen, most important first, folded as in the pack (status with
#: weeks, PSEQ as "latest (change, reliable?)") so that they fit at 1440 px; the wellbeing
#: score is in the pack and the download, which has every column of mdt.LIST_COLUMNS.
SCREEN_COLUMNS = (
    "Pseudonym",
    "Flags",
    "Status",
    "Last contact",
    "Next review due",
    "PSEQ latest (change)",
    "Link worker",
)
#: Widths on screen in pixels (about 980 px of page at 1440 px with the sidebar open).
LIST_WIDTHS = {
    "Pseudonym": 80,
    "Flags": 250,  # several flags are cut at the edge: all of them in the pack and download
    "Status": 165,
    "Last contact": 88,
    "Next review due": 102,
    "PSEQ latest (change)": 175,
    "Link worker": 110,
}

LIST_PINNED = ("Pseudonym", "Flags")  # stays in view when the table is scrolled sideways
LIST_HELP = dict(mdt.LIST_COLUMNS) | {
    "Status": "Where the person is on the meeting date, with whole weeks waiting (not yet "
    "seen) or on the caseload (from the first contact).",
    "PSEQ latest (change)": "Latest Pain Self-Efficacy score (0-60, higher is better), its "
    "change from the baseline in points and whether that change is reliable.",
    "Wellbeing latest (change)": "Latest wellbeing score (SWEMWBS as the metric score), its "
    "change from the baseline and whether it is reliable (not assessed where no test-retest "
    "reliability is published).",
}
#: Columns holding dates, in any of the page's tables (shown as 3 Apr 2025).
DATE_COLUMNS = ("Referred", "Date", "Latest form", "Last contact", "Next review due")


def _uk_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its date columns as UK dates (3 Apr 2025), for the screen and pack."""
    out = frame.copy()
    for name in set(DATE_COLUMNS) & set(out.columns):
        out[name] = out[name].map(lambda d: formats.uk_date(d) or None)
    return out


#: Page text, kept beside the figures it describes.
RELIABLE_CHANGE_TEXT = mdt.RELIABLE_CHANGE_TEXT
NO_NOTES_CAPTION = mdt.NO_NOTES_CAPTION
LIST_DEFINITION = mdt.LIST_DEFINITION
LIST_QUERIES = ("mdt_people", "mdt_scores", "mdt_referrals_by_month")
default_last_meeting = mdt.default_last_meeting


def reliability_label(code: str) -> str:
    return f"Test-retest reliability for {code} (none published in Wellpath's registry)"


def overrides(entered: dict[str, float | None]) -> tuple[tuple[str, float], ...]:
    """The reliabilities typed in (empty inputs left out), in a hashable, ordered form."""
    return tuple(sorted((c, float(v)) for c, v in entered.items() if v is not None))


#: The number input for a reliability where the registry has none.
RELIABILITY_INPUT = dict(
    min_value=0.0,
    max_value=0.99,
    value=None,
    step=0.01,
    help="Leave empty to show its changes as 'not assessed'.",
)
PACK_CAPTION = (
    "**Meeting pack** for this practice and date: it prints on landscape A4 and opens without "
    "a network connection. Every page carries a footer: pseudonymised patient-level data, for "
    "the practice team only."
)
#: The pack's download buttons (the file names come with the pack).
HTML_BUTTON = dict(
    label="Download the meeting pack (HTML)",
    mime="text/html",
    icon=":material/description:",
    key="mdt_pack_html",
    on_click="ignore",
)
PDF_BUTTON = dict(
    label="Download the meeting pack (PDF)",
    mime="application/pdf",
    icon=":material/download:",
    key="mdt_pack_pdf",
    on_click="ignore",
)
NO_CHROMIUM = (
    "The PDF needs Chromium, which is not installed here. Download the HTML pack and print it "
    "from any browser (landscape A4)."
)


@dataclass(frozen=True)
class Practices:
    codes: tuple[str, ...]
    names: dict[str, str]


@data.cached_view
def practices(scope: Scope, filters: Filters) -> Practices:
    rows = data.service_query("practice_list")
    names = dict(zip(rows["practice_code"], rows["practice_name"], strict=True))
    pilot = rows[rows["role"] != "comparison"]
    return Practices(tuple(access.effective_practices(pilot, scope, filters)), names)


def _service_filters(filters: Filters) -> Filters:
    return dataclasses.replace(filters, practice_codes=(), pcn_codes=())


SERVICE_COMPARISON_TEXT = (
    "**The whole service** is every practice in the service, with publishable figures "
    "(counts rounded to the nearest 5, 1 to 7 shown as *, figures about 7 or fewer people "
    "not shown), so that no other practice's own figures can be worked out from it."
)


@dataclass(frozen=True)
class Headline:
    table: pd.DataFrame
    quarter_start: dt.date
    definition: str
    note: str | None = None


@data.cached_view
def headline(scope: Scope, filters: Filters, practice_code: str, meeting_date: dt.date) -> Headline:
    quarter_start = mdt.financial_quarter_start(meeting_date)
    wait_from = mdt.year_before(meeting_date)
    params = dict(
        practice_code=practice_code,
        meeting_date=meeting_date,
        quarter_start_date=quarter_start,
        wait_from_date=wait_from,
    )
    rows = data.query("mdt_headline", scope, _service_filters(filters), **params)
    service_text = "The whole service is every practice in your view."
    if scope.practice_codes is not None and not scope.rounded:
        # A practice's own view: the service is every practice, publishable (rounded and
        # suppressed), so that no other practice's figure can be subtracted out of it.
        wide = data.query(
            "mdt_headline", scope.service_comparison(), _service_filters(filters), **params
        )
        rows = pd.concat([rows[rows["area"] == "practice"], wide[wide["area"] == "service"]])
        service_text = SERVICE_COMPARISON_TEXT
    text = (
        f"Everything is as known on the meeting date ({formats.uk_date(meeting_date)}): later "
        "events are treated as not yet happened. **This quarter** is the NHS financial-year "
        f"quarter holding the meeting date (from {formats.uk_date(quarter_start)}). "
        "**Waiting** counts referrals accepted at triage and not yet seen; **awaiting triage** "
        "those not yet triaged. **People on the caseload**: people (not referrals) with an "
        "accepted referral, first contact on or before the date and not discharged before "
        "it, as the Overview and Caseload pages count them. **Median wait**: referral to first "
        f"contact, for people first seen from {formats.uk_date(wait_from)}. **PSEQ change**: "
        "for each person with a baseline and a later PSEQ, the latest minus the baseline, "
        f"averaged. {service_text} These figures are as on the meeting date and since the "
        "start, so they differ from the other pages' figures for a period unless the period "
        "and the meeting date match."
    )
    note = mdt.narrowed_note(filters.conditions, filters.worker_ids)
    return Headline(mdt.headline_table(rows, quarter_start), quarter_start, text, note)


def _practice_filters(
    filters: Filters, practice_code: str, start: dt.date, meeting_date: dt.date
) -> Filters:
    """The sidebar's condition and worker filters, for one practice, from `start` to the
    meeting date (the practice is still intersected with the scope where data is read)."""
    return dataclasses.replace(
        filters,
        start_date=start,
        end_date=meeting_date,
        practice_codes=(practice_code,),
        pcn_codes=(),
    )


@dataclass(frozen=True)
class Engagement:
    heading: str  # "Link workers' time with the practice, Oct-Dec 2026 to 1 Nov 2026"
    table: pd.DataFrame  # one row (none for a practice outside the scope), ENGAGEMENT_ROWS
    caption: str


#: The engagement table's columns, in the order a practice team reads them.
ENGAGEMENT_ROWS = (
    "MDT meetings",
    "Surgery sessions",
    "Training sessions",
    "Case discussions",
    "Other",
    "Hours of engagement",
    "Last engagement",
    "Lapsed",
)


@data.cached_view
def engagement(
    scope: Scope, filters: Filters, practice_code: str, meeting_date: dt.date
) -> Engagement:
    """The link workers' engagement with the practice this quarter, up to the meeting date
    (wellpath.views.integration), as a short table of what and how much."""
    start = mdt.financial_quarter_start(meeting_date)
    shown = _practice_filters(filters, practice_code, start, meeting_date)
    quarter = integration.practice_engagement_this_quarter(scope, shown)
    heading = (
        f"Link workers' time with the practice, {quarter.quarter} "
        f"(to {formats.uk_date(meeting_date)})"
    )
    caption = (
        "Occasions recorded in the service's engagement file (staff time, not people): MDT "
        "meetings attended, sessions in the surgery, training, case discussions with a GP. "
        f"**Lapsed**: none recorded in the {integration.DEFAULT_LAPSE_WEEKS} weeks to the "
        "meeting date. The Integration with practices page has the months and the service."
    )
    if quarter.table.empty:
        return Engagement(heading, pd.DataFrame(columns=list(ENGAGEMENT_ROWS)), caption)
    table = quarter.table.iloc[:1][list(ENGAGEMENT_ROWS)].astype(str).reset_index(drop=True)
    return Engagement(heading, table, caption)


@dataclass(frozen=True)
class MeetingStories:
    heading: str
    stories: tuple[integration.Story, ...]  # title and text already escaped for Markdown
    note: str


STORY_CONSENT_HELP = {
    "Practice only": "for the practice's MDT only: not for the report or outside the practice",
    "Publishable": "agreed to be published",
}


@data.cached_view
def stories(
    scope: Scope, filters: Filters, practice_code: str, meeting_date: dt.date
) -> MeetingStories:
    """Consented stories of the practice's people dated in the year to the meeting date:
    practice-only and publishable ones in an unrounded view, publishable ones only in a
    rounded one (wellpath.views.integration.stories_for decides)."""
    start = mdt.year_before(meeting_date) + dt.timedelta(days=1)
    shown = _practice_filters(filters, practice_code, start, meeting_date)
    found = integration.stories_for(scope, shown, purpose="mdt")
    heading = "In their own words"
    note = (
        f"{found.note} Dated {formats.uk_date(start)} to {formats.uk_date(meeting_date)}, "
        "newest first; shown by date and practice, never with a pseudonym."
    )
    return MeetingStories(heading, found.stories, note)


@dataclass(frozen=True)
class Meeting:
    refused: str | None = None
    table: pd.DataFrame = field(default_factory=pd.DataFrame)  # the list on screen
    download: pd.DataFrame = field(default_factory=pd.DataFrame)  # every column
    summary: str = ""
    legend: pd.DataFrame = field(default_factory=pd.DataFrame)
    bases: pd.DataFrame = field(default_factory=pd.DataFrame)
    unpublished: tuple[str, ...] = ()
    stale: str | None = None
    figures: tuple[go.Figure, ...] = ()
    new_referrals: pd.DataFrame = field(default_factory=pd.DataFrame)
    closures: pd.DataFrame = field(default_factory=pd.DataFrame)
    movements: pd.DataFrame = field(default_factory=pd.DataFrame)
    since_heading: str = "Since the last meeting"
    #: (referral id, label) of the listed people with a Well-being Star, in list order
    star_people: tuple[tuple[str, str], ...] = ()

    def since_sections(self) -> tuple[tuple[str, pd.DataFrame, str], ...]:
        """(heading, table, file stem) of the "since the last meeting" tables."""
        return (
            ("New referrals", self.new_referrals, "new-referrals"),
            ("Discharges (with reasons) and referrals not taken on", self.closures, "closures"),
            (
                "Questionnaires completed since the last meeting (reliable moves first)",
                self.movements,
                "score-changes",
            ),
        )


@data.cached_view
def meeting(
    scope: Scope,
    filters: Filters,
    practice_code: str,
    meeting_date: dt.date,
    last_meeting: dt.date | None = None,
    overrides: tuple[tuple[str, float], ...] = (),
    flagged_only: bool = False,
) -> Meeting:
    """The people to discuss, the charts, and what changed since the last meeting."""
    if scope.rounded:
        return Meeting(refused=REFUSED)
    people = data.query(
        "mdt_people",
        scope,
        filters,
        practice_code=practice_code,
        meeting_date=meeting_date,
        since_date=mdt.since_date(meeting_date, last_meeting),
    )
    scores = data.query(
        "mdt_scores",
        scope,
        filters,
        practice_code=practice_code,
        meeting_date=meeting_date,
        last_meeting_date=last_meeting or meeting_date,
    )
    # Reliable change against the SD of the practice's PAIRED baselines, as on Outcomes.
    bases = mdt.reliable_change_bases(scores, dict(overrides))
    changes = mdt.score_changes(scores, bases, last_meeting)
    flagged = mdt.flag_people(people, changes, meeting_date)
    counts = {f.code: int(sum(f.code in fl for fl in flagged["flags"])) for f in mdt.FLAGS}
    full = mdt.list_table(flagged)
    n_flagged = int((flagged["flag_count"] > 0).sum())
    shown = full[(flagged["flag_count"] > 0).to_numpy()] if flagged_only else full
    summary = (
        f"**{len(full)}** people waiting, on the caseload or with a flag; **{n_flagged}** with "
        "at least one flag, listed first, the most serious flag first, then the longest "
        "waiting or on the caseload."
        + (f" Showing the {n_flagged} with a flag." if flagged_only else "")
    )
    legend = pd.DataFrame(
        [{"Flag": f.label, "People": counts[f.code], "Rule": f.rule} for f in mdt.FLAGS]
    )
    basis_rows = pd.DataFrame(
        [
            {
                "Questionnaire": b.instrument,
                "Reliability r": formats.fmt_number(b.reliability, 2),
                "SD of paired baselines (points)": formats.fmt_number(b.sd_baseline, 2),
                "Reliable change beyond (points)": formats.fmt_number(b.threshold_points, 2),
            }
            for b in bases.values()
        ]
    )
    unpublished = tuple(c for c in bases if INSTRUMENTS[c].reliability is None)
    practice_name = practices(scope, filters).names.get(practice_code, practice_code)
    colours = theme.practice_colours(data.service_query("practice_list")["practice_code"])
    chart_from = mdt.chart_from_date(meeting_date)
    months = data.query(
        "mdt_referrals_by_month",
        scope,
        filters,
        practice_code=practice_code,
        meeting_date=meeting_date,
        from_date=chart_from,
    )
    figures = [
        charts.referrals_by_month(
            months,
            practice_name,
            colours.get(practice_code, theme.NHS_BLUE),
            f"{chart_from:%b %Y} to {meeting_date:%b %Y}, as known on "
            f"{formats.uk_date(meeting_date)}",
        )
    ]
    listed = set(flagged["referral_id"])
    pseq = changes[(changes["instrument"] == "PSEQ") & changes["referral_id"].isin(listed)]
    if pseq["change_points"].notna().any():
        figures.append(
            charts.pseq_change(
                pseq,
                f"People on today's list with a follow-up form, up to "
                f"{formats.uk_date(meeting_date)}",
                bases["PSEQ"].threshold_points if "PSEQ" in bases else None,
            )
        )
    since = {}
    if last_meeting is not None:
        since = {
            "new_referrals": _uk_dates(mdt.new_referrals(people, last_meeting, meeting_date)),
            "closures": _uk_dates(mdt.closures(people, last_meeting, meeting_date)),
            "movements": _uk_dates(mdt.score_movements(changes)),
        }
    if last_meeting is not None:
        since["since_heading"] = f"Since the last meeting ({formats.uk_date(last_meeting)})"
    return Meeting(
        star_people=_star_people(flagged, scores),
        # "" (no score yet, no worker) shows as the page's dash for no data
        table=_uk_dates(
            pack.compact_list(shown).reindex(columns=list(SCREEN_COLUMNS)).replace("", None)
        ),
        download=full,
        summary=summary,
        legend=legend,
        bases=basis_rows,
        unpublished=unpublished,
        stale=mdt.stale_data_warning(people, meeting_date),
        figures=tuple(figures),
        **since,
    )


def _star_people(flagged: pd.DataFrame, scores: pd.DataFrame) -> tuple[tuple[str, str], ...]:
    """The listed referrals with a scored Well-being Star, labelled by pseudonym (with the
    referral date when one person is listed twice): those with a later form first, then those
    with the start only (said so), each in list order."""
    star = scores[scores["instrument"] == "WBSTAR"]
    forms = dict(zip(star["referral_id"], star["scored_form_count"], strict=True))
    rows = flagged[flagged["referral_id"].isin(forms)]
    repeated = set(rows["patient_id"][rows["patient_id"].duplicated()])
    people = []
    for r in rows.itertuples(index=False):
        label = str(r.patient_id)
        if r.patient_id in repeated:
            label += f", referred {formats.uk_date(r.referral_date)}"
        only_start = int(forms[r.referral_id]) < 2
        people.append(
            (only_start, str(r.referral_id), label + (" (start only)" if only_start else ""))
        )
    return tuple((rid, label) for _, rid, label in sorted(people, key=lambda p: p[0]))


STAR_NONE = "No one on today's list has a Well-being Star recorded."


@dataclass(frozen=True)
class PersonStar:
    message: str  # why nothing is drawn ("" when there is a Star)
    table: pd.DataFrame
    figure: go.Figure | None


@data.cached_view
def person_star(
    scope: Scope,
    filters: Filters,
    practice_code: str,
    meeting_date: dt.date,
    last_meeting: dt.date | None,
    referral_id: str | None,
) -> PersonStar:
    """One listed person's Well-being Star at the start and latest on the meeting date
    (wellpath.views.star.person_star). Only for a referral on this meeting's list: any other
    id (a forged widget value) draws nothing."""
    listed = dict(
        meeting(
            scope,
            filters,
            practice_code=practice_code,
            meeting_date=meeting_date,
            last_meeting=last_meeting,
        ).star_people
    )
    if referral_id is None or referral_id not in listed:
        return PersonStar(STAR_NONE if not listed else "Choose a person.", pd.DataFrame(), None)
    found = star_views.person_star(scope, referral_id, report_date=meeting_date)
    if not found.allowed or found.figure is None:
        return PersonStar(found.message, pd.DataFrame(), None)
    return PersonStar("", found.table, found.figure)


@dataclass(frozen=True)
class MeetingPack:
    """The printable pack of one practice's meeting (person-level: never for a rounded
    scope, so `meeting_pack` returns None there)."""

    content: pack.PackContent
    html_name: str
    pdf_name: str
    pdf_key: str  # where the page keeps a printed PDF for this practice and these dates
    can_print: bool  # Chromium is installed

    def html(self) -> bytes:
        return pack.build_html(self.content).encode("utf-8")

    def pdf(self) -> tuple[bytes | None, str | None]:
        """The PDF, or None and why it could not be made."""
        try:
            document = pack.build_html(self.content)
            return pack.html_to_pdf(document, figure_count=len(self.content.figures)), None
        except pack.PackUnavailable as problem:
            return None, str(problem)


def made_by_name(viewer: auth.Viewer | str | None) -> str | None:
    """Who the pack's footer names: the signed-in user's name; in demo mode (no sign-in) the
    role being viewed as, said to be the demo's."""
    if isinstance(viewer, auth.Viewer):
        return (
            f"{viewer.username} (demo, no sign-in)" if viewer.method == "demo" else viewer.username
        )
    return viewer or None


def meeting_pack(
    head: Headline,
    view: Meeting,
    *,
    practice_name: str,
    practice_code: str,
    meeting_date: dt.date,
    last_meeting: dt.date | None,
    engagement: Engagement | None = None,
    stories: MeetingStories | None = None,
    made_by: auth.Viewer | str | None = None,
) -> MeetingPack | None:
    """The pack of the headline, engagement, meeting and stories views the page shows (None
    when refused). `made_by`: the signed-in viewer (wellpath.auth.current_viewer()), named
    with the time in the footer of every printed page."""
    if view.refused:
        return None
    extra: dict = {}
    if engagement is not None:
        extra.update(engagement=engagement.table, engagement_heading=engagement.heading)
    if stories is not None:
        extra.update(stories=stories.stories, stories_note=stories.note)
    content = pack.PackContent(
        practice_name=practice_name,
        practice_code=practice_code,
        meeting_date=meeting_date,
        last_meeting_date=last_meeting,
        period_label=f"referrals up to {formats.uk_date(meeting_date)}; this quarter from "
        f"{formats.uk_date(head.quarter_start)}",
        headline=head.table,
        people=view.download,
        figures=list(view.figures),
        new_referrals=view.new_referrals,
        closures=view.closures,
        movements=view.movements,
        notes=[n for n in (head.note, view.stale) if n],
        made_by=made_by_name(made_by),
        **extra,
    )
    return MeetingPack(
        content=content,
        html_name=pack.pack_filename(practice_code, meeting_date, "html"),
        pdf_name=pack.pack_filename(practice_code, meeting_date, "pdf"),
        pdf_key=f"mdt_pdf_{practice_code}_{meeting_date.isoformat()}_{last_meeting}",
        can_print=pack.chromium_available(),
    )
