"""The Methods page's view: contents built from the documents' level-2 headings, with the
contract and licences sections last; missing documents said, not shown as empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from wellpath import docs
from wellpath.views import methods as views


def test_contents_and_sections(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "methods.md").write_text(
        "# Methods\n\nIntro.\n\n## Small numbers\nA.\n\n## Small numbers\nB.\n", encoding="utf-8"
    )
    monkeypatch.setattr(docs, "DOCS_DIR", tmp_path)
    page = views.methods()
    assert page.intro == "Intro."
    assert [s.anchor for s in page.sections] == ["small-numbers", "small-numbers-2"]
    assert page.contents.splitlines() == [
        "1. [Small numbers](#small-numbers)",
        "1. [Small numbers](#small-numbers-2)",
        "1. [The data contract: what a service sends](#the-data-contract)",
        "1. [Licences and notices](#licences-and-notices)",
    ]
    assert page.contract is None and page.contract_bytes == b""


def test_missing_methods_is_none_not_empty(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "data-contract.md").write_text("# Contract\n", encoding="utf-8")
    monkeypatch.setattr(docs, "DOCS_DIR", tmp_path)
    page = views.methods()
    assert page.intro is None and page.sections == ()
    assert page.contract_bytes == b"# Contract\n"
