"""The Audit trail page's one section: who signed in, viewed people, downloaded, changed
users or imported, newest first. For the programme lead only (the page guard refuses others,
and this view refuses any other scope as well)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from wellpath import audit
from wellpath.scope import Filters, Scope

ALL_EVENTS = "All events"


@dataclass(frozen=True)
class AuditChoices:
    event: str = ALL_EVENTS  # an audit.EVENTS label, or ALL_EVENTS
    username: str = ""  # "" for everyone
    limit: int = 500


@dataclass(frozen=True)
class AuditTrail:
    table: pd.DataFrame  # When, Who, What, Page, Practices, Detail
    sentence: str
    event_labels: tuple[str, ...]


def _when(value: dt.datetime) -> str:
    local = value.astimezone()
    return f"{local.day} {local:%b %Y %H:%M}"


def _detail(d: dict[str, object]) -> str:
    parts = []
    for key in ("role", "method", "filename", "rows", "period", "batch_id", "status", "reason"):
        if key in d:
            parts.append(f"{key.replace('_', ' ')}: {d[key]}")
    if "changes" in d:
        parts.append(f"changed: {d['changes']}")
    return "; ".join(parts)


def audit_trail(
    scope: Scope, filters: Filters, choices: AuditChoices, db_path: Path | None = None
) -> AuditTrail:
    if scope.role != "programme_lead" or scope.practice_codes is not None:
        raise PermissionError("the audit trail is for the programme lead")
    codes = {label: code for code, label in audit.EVENTS.items()}
    rows = audit.events(
        db_path,
        limit=choices.limit,
        event=codes.get(choices.event),
        username=choices.username.strip() or None,
    )
    table = pd.DataFrame(
        [
            {
                "When": _when(r["at"]),
                "Who": r["username"] or "–",
                "What": audit.EVENTS.get(str(r["event"]), str(r["event"])),
                "Page": str(r["detail"].get("page", "")).replace("_", " "),
                "Practices": str(r["detail"].get("practices", "")),
                "Detail": _detail(r["detail"]),
            }
            for r in rows
        ],
        columns=["When", "Who", "What", "Page", "Practices", "Detail"],
    )
    shown = f"{len(table):,} event{'s' if len(table) != 1 else ''}"
    sentence = (
        f"The latest {shown}, newest first (at most {choices.limit:,})."
        if len(table)
        else "No events recorded yet for these choices."
    )
    return AuditTrail(table, sentence, (ALL_EVENTS, *audit.EVENTS.values()))
