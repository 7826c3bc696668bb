"""The commissioner's report as one self-contained HTML document (portrait A4 when printed).

Inline CSS; charts are plotly figures with plotly.js embedded once in the file (no CDN, no
MathJax, nothing fetched at run time). Every value from the data is HTML-escaped; sentences
from the views use markdown's `**bold**` and `\\*`, which are turned into tags only after
escaping. The footer on every printed page names who made the report and when.
"""

from __future__ import annotations

import html
import re

import plotly.graph_objects as go

from wellpath import theme
from wellpath.report import Chart, Figure, Report, Section, Story, Table, Text

#: Portrait A4 (210 mm less 2 x 12 mm margins, at 96 px per inch), a chart per row.
CHART_WIDTH_PX = 700
CHART_HEIGHT_PX = 430
#: Room below the plot for the x-axis title and, under it, a horizontal legend.
LEGEND_BELOW_Y = -0.32
LEGEND_MARGIN_PX = 125
#: Sections that start on a new printed page (the rest follow on, charts kept whole).
NEW_PAGE = ("referrals", "outcomes", "methods")
_NUMERIC = re.compile(r"^[\s*–\-−+£0-9.,%()→]+(?:\s?(?:days|months|points|or more))?$")
_SAFE_CSS = re.compile(r"[A-Za-z0-9 .,:;·()_@'-]")


def css_string(text: str) -> str:
    """Text for a CSS string literal: anything but plain characters as a CSS escape, so a
    name cannot close the string or the <style> element."""
    return "".join(ch if _SAFE_CSS.fullmatch(ch) else f"\\{ord(ch):x} " for ch in text)


def inline(text: str) -> str:
    """A view's sentence as HTML: escaped, then **bold** as <strong> and \\* as *."""
    escaped = html.escape(str(text), quote=False)
    escaped = escaped.replace("\\*", "&#42;")
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)


def _css(report: Report) -> str:
    made = f"{report.made_at.day} {report.made_at:%b %Y} at {report.made_at:%H:%M}"
    footer = css_string(
        f"Made by {report.made_by} on {made} · Publishable figures: small numbers suppressed"
    )
    grey, dark, blue = theme.NHS_SECONDARY_TEXT, theme.NHS_DARK_BLUE, theme.NHS_BLUE
    return f"""
@page {{
  size: A4 portrait;
  margin: 12mm 12mm 16mm 12mm;
  @bottom-left {{ content: "{footer}"; font: 7.5pt Arial, Helvetica, sans-serif; color: {grey}; }}
  @bottom-right {{ content: "Page " counter(page) " of " counter(pages);
                   font: 7.5pt Arial, Helvetica, sans-serif; color: {grey}; }}
}}
* {{ box-sizing: border-box; }}
html {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
body {{ font: 10pt/1.4 Arial, Helvetica, sans-serif; color: {theme.NHS_TEXT};
        max-width: 190mm; margin: 0 auto; padding: 0 2mm; }}
h1 {{ font-size: 20pt; margin: 0 0 1mm; color: {dark}; }}
h2 {{ font-size: 14pt; margin: 0 0 2mm; color: {dark}; border-bottom: 2px solid {blue};
      padding-bottom: 1mm; break-after: avoid; page-break-after: avoid; }}
h3 {{ font-size: 10.5pt; margin: 4mm 0 1mm; break-after: avoid; page-break-after: avoid; }}
p {{ margin: 1mm 0 2mm; }}
.meta {{ color: {grey}; }}
.notice {{ border-left: 4px solid {theme.NHS_WARM_YELLOW}; background: #FFF8E5;
           padding: 2mm 3mm; margin: 2mm 0 3mm; }}
.caveat {{ border-left: 4px solid {grey}; background: {theme.NHS_GREY_5};
           padding: 2mm 3mm; margin: 2mm 0 3mm; }}
.summary {{ border-left: 4px solid {blue}; background: #E8F1FA; padding: 2mm 3mm;
            margin: 0 0 3mm; font-size: 11pt; }}
section {{ margin: 0 0 6mm; }}
.keep {{ break-inside: avoid; page-break-inside: avoid; }}
section.new-page {{ break-before: page; page-break-before: always; }}
.figures {{ display: grid; grid-template-columns: repeat(3, 1fr); gap: 2mm; margin: 2mm 0 3mm; }}
.figure {{ border: 1px solid {theme.NHS_GREY_4}; border-top: 3px solid {blue};
           padding: 1.5mm 2mm; break-inside: avoid; page-break-inside: avoid; }}
.figure .label {{ font-size: 8.5pt; color: {grey}; }}
.figure .value {{ font-size: 16pt; font-weight: bold; color: {dark}; }}
.figure .caption {{ font-size: 8pt; color: {grey}; }}
table {{ border-collapse: collapse; width: 100%; margin: 1mm 0 1mm; font-size: 8.5pt; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; page-break-inside: avoid; }}
th, td {{ border: 1px solid {theme.NHS_GREY_4}; padding: 1mm 1.5mm; text-align: left;
          vertical-align: top; }}
th {{ background: {theme.NHS_GREY_5}; font-weight: bold; }}
td.num {{ text-align: right; white-space: nowrap; }}
.table {{ break-inside: avoid; page-break-inside: avoid; margin: 0 0 3mm; }}
.note {{ font-size: 8pt; color: {grey}; margin: 0 0 3mm; }}
.chart {{ break-inside: avoid; page-break-inside: avoid; margin: 1mm 0 3mm; }}
.story {{ break-inside: avoid; page-break-inside: avoid; margin: 0 0 4mm; }}
.story h3 {{ margin: 0 0 0.5mm; }}
.story blockquote {{ margin: 0; padding: 1mm 0 1mm 3mm; border-left: 3px solid {blue}; }}
ol.contents {{ columns: 2; margin: 1mm 0 3mm; padding-left: 6mm; }}
.footer {{ margin-top: 6mm; font-size: 8.5pt; color: {grey}; }}
@media print {{ .footer {{ display: none; }} }}
"""


def _figures(figures: list[Figure]) -> str:
    cards = []
    for f in figures:
        value_class = "value count" if f.count else "value"
        caption = f"<div class='caption'>{inline(f.caption)}</div>" if f.caption else ""
        cards.append(
            f"<div class='figure'><div class='label'>{html.escape(f.label)}</div>"
            f"<div class='{value_class}'>{html.escape(f.value)}</div>{caption}</div>"
        )
    return f"<div class='figures'>{''.join(cards)}</div>"


def _table(t: Table) -> str:
    frame = t.frame
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record, strict=True):
            text = "" if value is None else str(value)
            classes = []
            if column in t.counts:
                classes.append("count")
            if _NUMERIC.match(text) and column != frame.columns[0]:
                classes.append("num")
            attr = f" class='{' '.join(classes)}'" if classes else ""
            cells.append(f"<td{attr}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    title = f"<h3>{html.escape(t.title)}</h3>" if t.title else ""
    note = f"<p class='note'>{inline(t.note.strip())}</p>" if t.note.strip() else ""
    return (
        f"<div class='table'>{title}<table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{note}</div>"
    )


def for_print(fig: go.Figure) -> go.Figure:
    """A copy of a page's figure laid out for paper: A4 width, a horizontal legend well clear
    of the x-axis title, and no invitation to hover."""
    sized = go.Figure(fig)
    sized.update_layout(width=CHART_WIDTH_PX, height=CHART_HEIGHT_PX)
    legend = sized.layout.legend
    below = legend.orientation in (None, "h") and (legend.y is None or legend.y < 0)
    if below and sized.layout.showlegend is not False:
        sized.update_layout(legend={"orientation": "h", "y": LEGEND_BELOW_Y, "yanchor": "top"})
        sized.update_layout(margin={"b": LEGEND_MARGIN_PX})
    for note in sized.layout.annotations or ():
        if note.text and "Hover" in note.text:
            note.text = re.sub(r"\s*Hover over [^.]*\.", "", note.text)
    return sized


def chart_html(fig: go.Figure, include_plotlyjs: bool) -> str:
    """A figure sized for portrait A4, plotly.js inlined in the first one (no CDN)."""
    sized = for_print(fig)
    return sized.to_html(
        full_html=False,
        include_plotlyjs=include_plotlyjs,
        include_mathjax=False,
        config={"displayModeBar": False, "responsive": False, "staticPlot": True},
    )


def _story(story: Story) -> str:
    """A publishable story: every character of its title, date line and text escaped."""
    return (
        f"<div class='story'><h3>{html.escape(story.title)}</h3>"
        f"<p class='note'>{html.escape(story.meta)}</p>"
        f"<blockquote>{html.escape(story.text)}</blockquote></div>"
    )


def _section(section: Section, number: int, state: dict) -> str:
    parts = [f"<h2>{number}. {html.escape(section.title)}</h2>"]
    if section.summary:
        parts.append(
            f"<div class='summary'><strong>In short:</strong> {inline(section.summary)}</div>"
        )
    pending: list[Figure] = []
    head = len(parts)
    for block in section.blocks:
        if isinstance(block, Figure):
            pending.append(block)
            continue
        if pending:
            parts.append(_figures(pending))
            pending = []
        if isinstance(block, Table):
            parts.append(_table(block))
        elif isinstance(block, Chart):
            first = not state.get("plotlyjs")
            state["plotlyjs"] = True
            note = f"<p class='note'>{inline(block.note)}</p>" if block.note else ""
            parts.append(f"<div class='chart'>{chart_html(block.figure, first)}{note}</div>")
        elif isinstance(block, Story):
            parts.append(_story(block))
        elif isinstance(block, Text):
            css = {"p": "", "note": " class='note'", "caveat": " class='caveat'"}[block.kind]
            parts.append(f"<p{css}>{inline(block.text)}</p>")
    if pending:
        parts.append(_figures(pending))
    # the heading, its summary and the first block on one page (no orphaned heading)
    parts[: head + 1] = [f"<div class='keep'>{''.join(parts[: head + 1])}</div>"]
    cls = " class='new-page'" if section.key in NEW_PAGE else ""
    return f"<section id='{html.escape(section.key)}'{cls}>{''.join(parts)}</section>"


def render(report: Report) -> str:
    made = f"{report.made_at.day} {report.made_at:%b %Y} at {report.made_at:%H:%M}"
    state: dict = {}
    contents = "".join(
        f"<li><a href='#{html.escape(s.key)}'>{html.escape(s.title)}</a></li>"
        for s in report.sections
    )
    demo = (
        "<div class='notice'><strong>Demo data.</strong> These figures come from Wellpath's "
        "invented demo world, not from a real service.</div>"
        if report.is_demo
        else ""
    )
    body = "".join(_section(s, i, state) for i, s in enumerate(report.sections, start=1))
    made_line = f"Made by {html.escape(report.made_by)} on {made}"
    parts = [
        "<!DOCTYPE html>",
        "<html lang='en-GB'><head><meta charset='utf-8'>",
        f"<title>{html.escape(report.title)} · {html.escape(report.period_label)}</title>",
        f"<style>{_css(report)}</style></head><body>",
        f"<h1>{html.escape(report.title)}</h1>",
        f"<p class='meta'><strong>Period: {html.escape(report.period_label)}</strong> · "
        f"{html.escape(report.scope_label)} · {made_line}</p>",
        demo,
        "<div class='notice'><strong>Publishable figures.</strong> Counts of 1 to 7 are shown "
        "as *, other counts are rounded to the nearest 5, and percentages and averages about "
        "few people are not shown. A dash (–) means there is nothing to count.</div>",
        f"<ol class='contents'>{contents}</ol>",
        body,
        f"<p class='footer'>{made_line}. Publishable figures: small numbers suppressed.</p>",
        "</body></html>",
    ]
    return "\n".join(parts)
