"""The shipped Streamlit config (.streamlit/config.toml): safe defaults for a server that
holds patient data (issue 14), agreeing with the importer's limits."""

from __future__ import annotations

import tomllib
from pathlib import Path

from wellpath.importer import limits

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"


def _config() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


def test_listens_on_this_machine_only_and_shows_no_error_details() -> None:
    config = _config()
    assert config["server"]["address"] == "127.0.0.1"  # a reverse proxy serves others
    assert config["client"]["showErrorDetails"] == "none"  # no tracebacks to viewers


def test_streamlits_own_page_list_is_off() -> None:
    # The shell draws the role's menu; Streamlit's list would name every page file,
    # clickable, before the shell has run (a fresh server's first load, the demo build).
    assert _config()["client"]["showSidebarNavigation"] is False


def test_upload_limit_matches_the_importers() -> None:
    assert _config()["server"]["maxUploadSize"] * 2**20 == limits.MAX_UPLOAD_BYTES
