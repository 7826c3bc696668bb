"""Signing in through the real form on a running server, as each role, on a database with a
service's own data (never open without a login): what each role's menu lists, and a page
its role may not open, by URL, refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from wellpath import auth

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
TIMEOUT_MS = 120_000
ROLES = {
    # username: (role, practices, pages it must list, pages it must not list)
    "lead": ("programme_lead", (), {"MDT meeting", "Import data", "Audit trail"}, set()),
    "pm": ("practice", ("A86012",), {"MDT meeting"}, {"Import data", "Audit trail"}),
    "comm": ("commissioner", (), {"Overview"}, {"MDT meeting", "Import data", "Audit trail"}),
}


@pytest.fixture(scope="module")
def service_server(tmp_path_factory, chromium_path):
    from tests.browser.conftest import running_server
    from wellpath.importer import import_batch

    folder = tmp_path_factory.mktemp("service")
    path = folder / "service.duckdb"
    import_batch(REPO / "tests" / "fixtures" / "service", path, run_by="tests")
    for username, (role, practices, _, _) in ROLES.items():
        auth.add_user(path, username, role, practices, PASSWORD)
    with running_server(path, folder / "streamlit.log") as base_url:
        yield base_url
    shutil.rmtree(folder, ignore_errors=True)


def _sign_in(page, url: str, username: str, password: str) -> None:
    page.goto(url, timeout=TIMEOUT_MS)
    page.get_by_role("textbox", name="Username").fill(username, timeout=TIMEOUT_MS)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


@pytest.mark.parametrize("username", list(ROLES))
def test_sign_in_as_each_role(service_server, browser, screenshots, username) -> None:
    role, practices, listed, unlisted = ROLES[username]
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    try:
        _sign_in(page, service_server, username, PASSWORD)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text(f"Signed in as {username}").wait_for(timeout=TIMEOUT_MS)
        page.locator("h1", has_text="Overview").wait_for(timeout=TIMEOUT_MS)
        for title in listed:
            sidebar.get_by_text(title, exact=True).first.wait_for(timeout=TIMEOUT_MS)
        sidebar.get_by_text("Filters").wait_for(timeout=TIMEOUT_MS)
        page.wait_for_timeout(1000)
        menu = sidebar.inner_text()
        for title in listed:
            assert title in menu, (username, title)
        for title in unlisted:
            assert title not in menu, (username, title)
        page.screenshot(path=str(screenshots / f"signed_in_{role}.png"))
        if "MDT meeting" in unlisted:
            # The MDT page's URL: the sign-in form, then never the MDT page (refused, or
            # the default page when Streamlit drops a URL the first run did not route).
            _sign_in(page, f"{service_server}/mdt_meeting", username, PASSWORD)
            sidebar.get_by_text(f"Signed in as {username}").wait_for(timeout=TIMEOUT_MS)
            page.locator("h1").first.wait_for(timeout=TIMEOUT_MS)
            page.wait_for_timeout(2000)
            titles = page.locator("h1").all_inner_texts()
            assert "MDT meeting" not in titles, titles
            assert page.locator('[data-testid="stDataFrame"]').count() == 0 or (
                "Not available" in titles
            )
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        context.close()


def test_the_page_asked_for_opens_after_signing_in(service_server, browser) -> None:
    # A practice manager follows a link to the caseload page: the sign-in form, then that
    # page (not the Overview), since their role may open it.
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    try:
        _sign_in(page, f"{service_server}/caseload", "pm", PASSWORD)
        page.locator("h1", has_text="Caseload and waits").wait_for(timeout=TIMEOUT_MS)
        assert "Overview" not in page.locator("h1").all_inner_texts()
        assert page.url.rstrip("/").endswith("/caseload")
    finally:
        context.close()


def test_wrong_password_and_no_page_without_sign_in(service_server, browser) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{service_server}/mdt_meeting", timeout=TIMEOUT_MS)
        page.locator("h1", has_text="Sign in to Wellpath").wait_for(timeout=TIMEOUT_MS)
        assert page.locator('[data-testid="stDataFrame"]').count() == 0
        _sign_in(page, service_server, "pm", "not the password at all")
        page.get_by_text("do not match an active account").wait_for(timeout=TIMEOUT_MS)
    finally:
        context.close()
