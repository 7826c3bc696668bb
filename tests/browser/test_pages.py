"""Every page of the running server in headless Chromium: it must finish running and draw
something, with no exception box and no Python traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import wait_until_settled
from wellpath import shell

PAGE_TIMEOUT_MS = 120_000

pytestmark = pytest.mark.browser

# Not imported from conftest: when several test folders are given, "conftest" may be another
# folder's module by the time this file is imported.
# The router's page table (wellpath/shell.py); the demo's default viewer, the programme
# lead, may open every page.
PAGES = [entry[0] for entry in shell.PAGES]
DEFAULT = shell.PAGES[0][0]


def url_path(page_file: str) -> str:
    """Streamlit's URL path for a page file: its name without .py; the default page is /."""
    return "" if page_file == DEFAULT else Path(page_file).stem


def save_whole_page(page, path: Path) -> None:
    """Streamlit scrolls inside its main block, so full_page alone captures one screen: grow
    the window to the content's height first."""
    height = page.evaluate(
        '() => Math.max(...[...document.querySelectorAll(\'[data-testid="stMain"], '
        '[data-testid="stMainBlockContainer"]\')].map(e => e.scrollHeight), 1000)'
    )
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 80, 12000)})
    page.wait_for_timeout(1500)
    page.screenshot(path=str(path), full_page=True)


@pytest.mark.parametrize("page_file", PAGES)
def test_page_opens_without_error(server, browser, screenshots: Path, page_file: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    console_errors: list[str] = []
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    try:
        page.goto(f"{server}/{url_path(page_file)}", timeout=PAGE_TIMEOUT_MS)
        wait_until_settled(page)
        save_whole_page(page, screenshots / f"{Path(page_file).stem}.png")

        boxes = page.locator('[data-testid="stException"]')
        assert boxes.count() == 0, f"{page_file} shows an exception:\n{boxes.first.inner_text()}"
        main = page.locator('[data-testid="stMain"]').inner_text()
        assert "Traceback (most recent call last)" not in main, f"{page_file}:\n{main[-2000:]}"
        assert len(main.strip()) > 40, f"{page_file} drew an (almost) empty page: {main!r}"
        assert page.locator("h1").count() >= 1, f"{page_file} has no title"
        assert not console_errors, f"{page_file}: JavaScript errors {console_errors}"
    finally:
        context.close()


def test_opening_a_page_url_first_on_a_fresh_server_runs_the_router(
    demo_db, browser, start_server, tmp_path: Path
) -> None:
    with start_server(demo_db, tmp_path / "streamlit.log") as base_url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            page = context.new_page()
            page.goto(f"{base_url}/methods", timeout=PAGE_TIMEOUT_MS)
            wait_until_settled(page)
            sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
            assert "Filters" in sidebar, f"the router did not run; sidebar: {sidebar!r}"
        finally:
            context.close()
