"""The MDT meeting pack: one self-contained HTML file that prints cleanly on A4, and the same
as PDF through Chromium's print-to-PDF.

The HTML needs no network: styles are inline and the charts are plotly figures with plotly.js
embedded once in the file. Landscape A4, because the person list is wide; a footer on every
printed page (CSS page-margin boxes) says the pack holds pseudonymised patient-level data for
the practice team only, with page numbers. The PDF is made by Debian's Chromium driven by
Playwright, only when asked for (`html_to_pdf`); `PackUnavailable` says why when it cannot.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from wellpath import formats, theme
from wellpath.mdt import FLAGS, RELIABLE_LABELS

CHROMIUM = os.environ.get("WELLPATH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Two charts side by side across landscape A4 (297 mm less 2 x 10 mm margins, 96 px per
#: inch, less the gap), and a height that leaves room for the heading.
CHART_WIDTH_PX = 510
CHART_HEIGHT_PX = 560
PDF_TIMEOUT_MS = 60_000

FOOTER_TEXT = (
    "Contains pseudonymised patient-level data for the practice team only. "
    "Do not share outside the practice's MDT."
)
NO_NOTES_TEXT = (
    "Wellpath does not store free-text notes about any person: record the meeting's "
    "discussion in the clinical record, not on this pack."
)


class PackUnavailable(RuntimeError):
    """The PDF cannot be made here (no Chromium, or it failed); the HTML pack still works."""


@dataclass(frozen=True)
class PackContent:
    """Everything the pack shows, already computed and in display form."""

    practice_name: str
    practice_code: str
    meeting_date: dt.date
    last_meeting_date: dt.date | None
    period_label: str
    headline: pd.DataFrame
    people: pd.DataFrame
    figures: Sequence[go.Figure] = ()
    new_referrals: pd.DataFrame = field(default_factory=pd.DataFrame)
    closures: pd.DataFrame = field(default_factory=pd.DataFrame)
    movements: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: Sequence[str] = ()
    generated_at: dt.datetime | None = None
    #: The link workers' engagement this quarter (one row, a column for each kind).
    engagement: pd.DataFrame = field(default_factory=pd.DataFrame)
    engagement_heading: str = "Link workers' time with the practice this quarter"
    #: Consented stories: objects with date, consent, title and text (title and text
    #: escaped for Markdown, as wellpath.views.integration.Story holds them).
    stories: Sequence = ()
    stories_note: str = ""
    made_by: str | None = None  # the signed-in user, named in every page's footer


CSS = f"""
@page {{
  size: A4 landscape;
  margin: 11mm 10mm 18mm 10mm;
  @bottom-left {{
    content: "{FOOTER_TEXT}";
    font: 8pt Arial, Helvetica, sans-serif; color: {theme.NHS_SECONDARY_TEXT};
    white-space: pre-wrap; vertical-align: top; padding-top: 3mm;
  }}
  @bottom-right {{
    content: "Page " counter(page) " of " counter(pages);
    font: 8pt Arial, Helvetica, sans-serif; color: {theme.NHS_SECONDARY_TEXT};
  }}
}}
* {{ box-sizing: border-box; }}
html {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
body {{ font: 10pt/1.35 Arial, Helvetica, sans-serif; color: {theme.NHS_TEXT}; margin: 0; }}
h1 {{ font-size: 17pt; margin: 0 0 2mm; color: {theme.NHS_DARK_BLUE}; }}
h2 {{ font-size: 13pt; margin: 5mm 0 2mm; color: {theme.NHS_DARK_BLUE};
      break-after: avoid; page-break-after: avoid; }}
p {{ margin: 1mm 0 2mm; }}
.meta {{ color: {theme.NHS_SECONDARY_TEXT}; }}
.notice {{ border-left: 4px solid {theme.NHS_WARM_YELLOW}; background: #FFF8E5;
           padding: 2mm 3mm; margin: 2mm 0 3mm; }}
.page-break {{ break-before: page; page-break-before: always; }}
table {{ border-collapse: collapse; width: 100%; margin: 1mm 0 3mm; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; page-break-inside: avoid; }}
th, td {{ border: 1px solid {theme.NHS_GREY_4}; padding: 1.2mm 1.5mm; text-align: left;
          vertical-align: top; }}
th {{ background: {theme.NHS_GREY_5}; font-weight: bold; }}
td.num {{ text-align: right; white-space: nowrap; }}
table.list {{ font-size: 7.5pt; }}
table.list td, table.list th {{ padding: 0.8mm 1mm; }}
table.headline {{ width: auto; min-width: 60%; }}
td.flags {{ color: {theme.NHS_RED}; font-weight: bold; min-width: 38mm; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 4mm; }}
.chart {{ break-inside: avoid; page-break-inside: avoid; margin: 0 0 3mm; }}
td.date, td.id {{ white-space: nowrap; }}
dl.legend {{ display: grid; grid-template-columns: max-content 1fr; gap: 0.8mm 4mm;
             font-size: 8.5pt; margin: 1mm 0 3mm; }}
dl.legend dt {{ font-weight: bold; color: {theme.NHS_RED}; }}
dl.legend dd {{ margin: 0; }}
table.engagement {{ width: auto; min-width: 60%; }}
/* page 1 holds the headline, the engagement and the whole legend of flags */
table.headline, table.engagement {{ font-size: 8.5pt; margin-bottom: 2mm; }}
table.headline td, table.headline th, table.engagement td, table.engagement th {{
  padding: 0.6mm 1.5mm; }}
dl.legend {{ break-inside: avoid; page-break-inside: avoid; }}
.story {{ break-inside: avoid; page-break-inside: avoid; border-left: 3px solid {theme.NHS_BLUE};
          padding: 0 0 0 3mm; margin: 0 0 3mm; max-width: 180mm; }}
.story h3 {{ font-size: 10.5pt; margin: 0; }}
.screen-footer {{ margin-top: 6mm; font-size: 8.5pt; color: {theme.NHS_SECONDARY_TEXT}; }}
@media print {{ .screen-footer {{ display: none; }} }}
"""


def _cell(value: object, digits: int) -> tuple[str, bool]:
    """Display text for a table cell, and whether it is a number (right-aligned)."""
    if formats.is_missing(value):
        return "", False
    if isinstance(value, pd.Timestamp):
        return formats.uk_date(value.date()), False
    if isinstance(value, dt.date):
        return formats.uk_date(value), False
    if isinstance(value, bool):
        return ("Yes" if value else "No"), False
    if isinstance(value, int):
        return f"{value:,}", True
    if isinstance(value, float):
        return formats.fmt_number(value, digits), True  # half-up, as on screen
    return str(value), False


def _column_digits(values: pd.Series) -> int:
    """0 decimals for a column of whole numbers, else 1: one format per column."""
    floats = [v for v in values if isinstance(v, float) and not math.isnan(v)]
    return 0 if all(v.is_integer() for v in floats) else 1


def table_html(frame: pd.DataFrame, css_class: str = "", empty: str = "None.") -> str:
    """A plain HTML table of a display frame (dates in UK style, blanks for missing)."""
    if frame.empty:
        return f"<p class='meta'>{html.escape(empty)}</p>"
    digits = {c: _column_digits(frame[c]) for c in frame.columns}
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, row, strict=True):
            text, numeric = _cell(value, digits[column])
            classes = ["num"] if numeric else []
            if isinstance(value, dt.date) or column == "Pseudonym":
                classes.append("date" if isinstance(value, dt.date) else "id")
            if column == "Flags" and text:
                classes.append("flags")
            attr = f" class='{' '.join(classes)}'" if classes else ""
            cells.append(f"<td{attr}>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cls = f" class='{css_class}'" if css_class else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _score_text(latest: object, change: object, reliable: object, digits: int) -> str:
    if formats.is_missing(latest):
        return ""
    text = formats.fmt_number(latest, digits)
    if formats.is_missing(change):
        return f"{text} (baseline only)"
    judged = not formats.is_missing(reliable) and reliable != RELIABLE_LABELS[None]
    verdict = f", {str(reliable).lower()}" if judged else ""
    return f"{text} ({formats.fmt_signed(change, digits)}{verdict})"


def compact_list(table: pd.DataFrame) -> pd.DataFrame:
    """The MDT list (wellpath.mdt.list_table) folded into fewer, wider columns, so that it
    fits landscape A4 at a readable size: status with weeks, goals as open / achieved, each
    score as "latest (change, reliable?)"."""
    rows = []
    for r in table.to_dict("records"):
        weeks = r["Weeks waiting"] if not formats.is_missing(r["Weeks waiting"]) else None
        weeks = weeks if weeks is not None else r["Weeks on caseload"]
        status = r["Status"] + ("" if formats.is_missing(weeks) else f", {int(weeks)} weeks")
        wellbeing = _score_text(
            r["Wellbeing latest"], r["Wellbeing change"], r["Wellbeing reliable?"], 1
        )
        rows.append(
            {
                "Pseudonym": r["Pseudonym"],
                "Flags": r["Flags"],
                "Status": status,
                "Condition": r["Condition"],
                "Referred by": r["Referred by"],
                "Link worker": r["Link worker"],
                "Last contact": r["Last contact"],
                "Next review due": r["Next review due"],
                "Goals open / achieved": f"{r['Goals open']} / {r['Goals achieved']}",
                "PSEQ latest (change)": _score_text(
                    r["PSEQ latest"], r["PSEQ change"], r["PSEQ reliable?"], 0
                ),
                "Wellbeing latest (change)": (
                    f"{r['Wellbeing measure']} {wellbeing}" if wellbeing else ""
                ),
                "Missed contacts": r["Missed contacts"],
            }
        )
    return pd.DataFrame(rows)


def figure_html(fig: go.Figure, include_plotlyjs: bool) -> str:
    """A figure sized for landscape A4, with plotly.js inlined when asked (the first one)."""
    sized = go.Figure(fig)
    sized.update_layout(width=CHART_WIDTH_PX, height=CHART_HEIGHT_PX)
    return sized.to_html(
        full_html=False,
        include_plotlyjs=include_plotlyjs,
        config={"displayModeBar": False, "responsive": False},
    )


def legend_html() -> str:
    items = "".join(f"<dt>{html.escape(f.label)}</dt><dd>{html.escape(f.rule)}</dd>" for f in FLAGS)
    return f"<dl class='legend'>{items}</dl>"


_MARKDOWN_ESCAPE = re.compile(r"\\(.)")


def unescape_markdown(text: str) -> str:
    """The text that wellpath.formats.plain_text escaped for Markdown, as typed (its exact
    inverse: every backslash it adds precedes one character). For HTML, escape it after."""
    return _MARKDOWN_ESCAPE.sub(r"\1", str(text))


def story_html(story: object, heading_level: int = 3) -> str:
    """One consented story as HTML: its title, date, consent and text, every value from the
    data HTML-escaped (never read as markup)."""
    title = html.escape(unescape_markdown(story.title))
    text = html.escape(unescape_markdown(story.text))
    meta = html.escape(f"{story.date} · {story.consent}")
    level = f"h{heading_level}"
    return (
        f"<div class='story'><{level}>{title}</{level}><p class='meta'>{meta}</p>"
        f"<p>{text}</p></div>"
    )


def stories_html(stories: Sequence, note: str = "", heading_level: int = 3) -> str:
    """The stories one after another, or a line saying there are none."""
    if not stories:
        return "<p class='meta'>No consented stories in this period.</p>"
    lead = f"<p class='meta'>{html.escape(note)}</p>" if note else ""
    return lead + "".join(story_html(s, heading_level) for s in stories)


def _css_string(text: str) -> str:
    """Text as a CSS string literal's content: quotes and backslashes escaped, and '<' written
    as a CSS escape so no value can close the style element."""
    return (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("<", "\\3c ")
        .replace("\n", " ")
        .replace("\r", " ")
    )


def made_line(made: dt.datetime, made_by: str | None) -> str:
    """'Made by USER on 3 Apr 2025 at 14:05' (or 'Made on ...' when no user is known)."""
    who = f" by {made_by.strip()}" if made_by and made_by.strip() else ""
    return f"Made{who} on {formats.uk_date(made.date())} at {made:%H:%M}"


def footer_css(made: dt.datetime, made_by: str | None) -> str:
    """The printed footer of every page: the notice, then on its own line who made the pack
    and when (room is left for it by the page's bottom margin)."""
    line = _css_string(FOOTER_TEXT) + "\\A " + _css_string(made_line(made, made_by))
    return f'@page {{ @bottom-left {{ content: "{line}"; }} }}'


def build_html(content: PackContent, made_by: str | None = None) -> str:
    """The whole pack as one self-contained HTML document. `made_by` (else
    `content.made_by`): the signed-in user, printed in the footer of every page with the time
    the pack was made."""
    made_by = made_by or content.made_by
    title = f"MDT meeting pack: {content.practice_name}"
    last = (
        f" · last meeting {formats.uk_date(content.last_meeting_date)}"
        if content.last_meeting_date
        else ""
    )
    made = content.generated_at or dt.datetime.now()
    notes = "".join(f"<p class='meta'>{html.escape(n)}</p>" for n in content.notes)
    charts = "".join(
        f"<div class='chart'>{figure_html(fig, include_plotlyjs=(i == 0))}</div>"
        for i, fig in enumerate(content.figures)
    )
    flagged = int((content.people.get("Flags", pd.Series(dtype=str)).fillna("") != "").sum())
    since = (
        formats.uk_date(content.last_meeting_date)
        if content.last_meeting_date
        else "the last meeting"
    )
    engagement = (
        f"<h2>{html.escape(content.engagement_heading)}</h2>"
        f"{table_html(content.engagement, 'engagement')}"
        if not content.engagement.empty
        else ""
    )
    parts = [
        "<!DOCTYPE html>",
        "<html lang='en-GB'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)} · {formats.uk_date(content.meeting_date)}</title>",
        f"<style>{CSS}\n{footer_css(made, made_by)}</style></head><body>",
        f"<h1>{html.escape(title)} ({html.escape(content.practice_code)})</h1>",
        f"<p class='meta'><strong>Meeting date: {formats.uk_date(content.meeting_date)}</strong>{last}"
        f" · period: {html.escape(content.period_label)}"
        f" · {html.escape('m' + made_line(made, made_by)[1:])}</p>",
        f"<div class='notice'><strong>For the practice team only.</strong> {FOOTER_TEXT} "
        f"{NO_NOTES_TEXT}</div>",
        notes,
        "<h2>Headline: this practice against the whole service</h2>",
        table_html(content.headline, "headline"),
        engagement,
        "<h2>What the flags in the list mean</h2>",
        legend_html(),
        f"<h2 class='page-break'>Summary charts</h2><div class='charts'>{charts}</div>",
        "<h2 class='page-break'>People to discuss</h2>",
        f"<p>{len(content.people)} people waiting, on the caseload or with a flag; "
        f"{flagged} with at least one flag, listed first (the flags are explained on page 1)."
        "</p>",
        table_html(
            compact_list(content.people), "list", empty="No one is waiting or on the caseload."
        ),
        f"<h2>Since the last meeting ({html.escape(since)})</h2>",
        "<p><strong>New referrals</strong></p>",
        table_html(content.new_referrals, empty="No new referrals."),
        "<p><strong>Discharges and referrals not taken on</strong></p>",
        table_html(content.closures, empty="No discharges or triage refusals."),
        "<p><strong>Questionnaires completed since the last meeting</strong></p>",
        table_html(content.movements, empty="No new questionnaires."),
        "<h2>In their own words</h2>",
        stories_html(content.stories, content.stories_note),
        f"<p class='screen-footer'>{FOOTER_TEXT}</p>",
        "</body></html>",
    ]
    return "\n".join(parts)


def pack_filename(practice_code: str, meeting_date: dt.date, suffix: str) -> str:
    return f"mdt-pack-{practice_code}-{meeting_date:%Y-%m-%d}.{suffix}"


def chromium_available(executable_path: str = CHROMIUM) -> bool:
    return os.path.isfile(executable_path) and os.access(executable_path, os.X_OK)


def _render_pdf(document: str, executable_path: str, figure_count: int) -> bytes:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(document, wait_until="load", timeout=PDF_TIMEOUT_MS)
            if figure_count:
                # plotly draws on load; wait until every chart has its SVG before printing
                page.wait_for_function(
                    f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= "
                    f"{figure_count}",
                    timeout=PDF_TIMEOUT_MS,
                )
            page.emulate_media(media="print")
            return page.pdf(
                format="A4",
                landscape=True,
                print_background=True,
                prefer_css_page_size=True,
            )
        finally:
            browser.close()


def html_to_pdf(document: str, *, executable_path: str = CHROMIUM, figure_count: int = 0) -> bytes:
    """Print the pack to PDF with Chromium. Runs in its own thread, because Playwright's sync
    API refuses to start inside a thread that has an asyncio loop (as Streamlit's may).

    `figure_count`: plotly charts in the document, waited for before printing.
    Raises PackUnavailable when Chromium is missing or printing fails."""
    if not chromium_available(executable_path):
        raise PackUnavailable(
            f"Chromium was not found at {executable_path}, so the PDF cannot be made here. "
            "Download the HTML pack instead and print it from any browser (landscape A4)."
        )
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(_render_pdf, document, executable_path, figure_count).result()
    except PackUnavailable:
        raise
    except Exception as exc:  # playwright raises its own error types
        raise PackUnavailable(
            f"Chromium could not print the pack ({type(exc).__name__}). Download the HTML "
            "pack instead and print it from any browser (landscape A4)."
        ) from exc
