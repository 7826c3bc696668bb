"""The user-facing documents (docs/*.md) cut into sections for the Methods page.

Splitting on level-2 headings lets the page draw a table of contents with its own anchors
instead of relying on how Streamlit happens to slug headings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from wellpath.db import PROJECT_ROOT

DOCS_DIR = PROJECT_ROOT / "docs"


@dataclass(frozen=True)
class Section:
    title: str
    anchor: str
    body: str


def slug(title: str) -> str:
    """'Small numbers (disclosure control)' -> 'small-numbers-disclosure-control'."""
    words = re.findall(r"[a-z0-9]+", title.lower())
    return "-".join(words) or "section"


def read_doc(name: str, folder: Path | None = None) -> str | None:
    """The text of docs/<name>, or None when it has not been written yet."""
    path = (folder or DOCS_DIR) / name
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def split_sections(text: str) -> tuple[str, list[Section]]:
    """The document's introduction (before the first '## ' heading, without its '# ' title)
    and its level-2 sections. Headings inside fenced code blocks are not headings."""
    intro: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    in_fence = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        if not in_fence and line.startswith("## "):
            sections.append((line[3:].strip(), []))
            continue
        if not in_fence and not sections and line.startswith("# "):
            continue  # the document title: the page has its own
        (sections[-1][1] if sections else intro).append(line)
    used: dict[str, int] = {}
    out = []
    for title, lines in sections:
        anchor = slug(title)
        used[anchor] = used.get(anchor, 0) + 1
        if used[anchor] > 1:
            anchor = f"{anchor}-{used[anchor]}"
        out.append(Section(title, anchor, "\n".join(lines).strip()))
    return "\n".join(intro).strip(), out
