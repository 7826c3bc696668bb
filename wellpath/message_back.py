"""The message back to the GP at discharge (PRSB social prescribing standard): one page per
person, as HTML, printed to PDF with Chromium by wellpath.pack's printing function.

Every value from the data is HTML-escaped: the document is text, never markup from the data.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from wellpath import pack

NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class Message:
    """One person's message, every value already written as text."""

    pseudonym: str
    practice: str
    referral_date: str
    first_contact_date: str
    discharge_date: str
    contacts: str
    goals: tuple[tuple[str, str], ...]  # (domain, how it ended)
    scores: tuple[tuple[str, str, str, str], ...]  # (measure, start, end, reliable change)
    discharge_reason: str
    suggested_next: str = NOT_RECORDED


CSS = """
@page { size: A4 portrait; margin: 15mm; }
body { font-family: Arial, Helvetica, sans-serif; color: #212B32; font-size: 11pt; }
.message { page-break-after: always; break-after: page; }
.message:last-child { page-break-after: auto; break-after: auto; }
h1 { color: #005EB8; font-size: 16pt; margin: 0 0 4mm 0; }
h2 { font-size: 12pt; margin: 5mm 0 2mm 0; border-bottom: 1px solid #D8DDE0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 1.5mm 2mm; border-bottom: 1px solid #D8DDE0; }
dl { display: grid; grid-template-columns: 45mm auto; gap: 1mm 4mm; margin: 0; }
dt { font-weight: bold; }
footer { margin-top: 6mm; font-size: 9pt; color: #4C6272; }
"""

FOOTER = (
    "Social prescribing discharge summary for the practice (PRSB social prescribing "
    "standard, message back to the GP). Contains pseudonymised patient-level data: for the "
    "practice team only."
)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], empty: str) -> str:
    if not rows:
        return f"<p>{_e(empty)}</p>"
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def message_html(m: Message) -> str:
    facts = [
        ("Practice", m.practice),
        ("Referred", m.referral_date),
        ("First contact", m.first_contact_date),
        ("Discharged", m.discharge_date),
        ("Contacts", m.contacts),
        ("Discharge reason", m.discharge_reason),
        ("Suggested next", m.suggested_next),
    ]
    dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
    return (
        '<section class="message">'
        f"<h1>Social prescribing: discharge summary for {_e(m.pseudonym)}</h1>"
        f"<dl>{dl}</dl>"
        "<h2>Goals and how they ended</h2>"
        + _table(("Goal area", "How it ended"), m.goals, "No goals recorded.")
        + "<h2>Scores at the start and at the end</h2>"
        + _table(
            ("Measure", "Start", "End", "Reliable change"), m.scores, "No questionnaires recorded."
        )
        + f"<footer>{_e(FOOTER)}</footer></section>"
    )


def build_html(messages: Sequence[Message], title: str = "Messages back to the GP") -> str:
    body = "".join(message_html(m) for m in messages)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f"<style>{CSS}</style></head><body>{body}</body></html>"
    )


def to_pdf(document: str) -> bytes:
    """The document printed by Chromium (pack.html_to_pdf; the page size is the CSS's A4
    portrait). Raises pack.PackUnavailable when Chromium is missing or fails."""
    return pack.html_to_pdf(document)
