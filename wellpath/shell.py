"""The app shell shared by every page: first-run demo build, who is looking, the shared
sidebar filters and the navigation a role may use.

dashboard.py (the router) calls `run()` on every run. A page opened before the router has
ever run on a fresh server (Streamlit's old pages/ mode) calls `ensure_shell()` through
ui.page_header, which draws the same shell, so that page is never drawn without a viewer.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st

from wellpath import access, auth, data, labels
from wellpath.scope import Filters, Scope, uk_date

REPO = Path(__file__).resolve().parents[1]
FAVICON = REPO / "wellpath" / "static" / "favicon.png"

# The router's pages: (file, title, icon, section). Icons are Material Symbols, drawn from
# the font Streamlit ships (nothing is fetched); only the favicon needs a file of its own.
PAGES = [
    ("pages/overview.py", "Overview", ":material/dashboard:", "Service"),
    ("pages/referrals.py", "Referrals", ":material/input:", "Service"),
    ("pages/caseload.py", "Caseload and waits", ":material/groups:", "Service"),
    ("pages/activity.py", "Contacts and action plans", ":material/event:", "Service"),
    ("pages/outcomes.py", "Outcomes", ":material/trending_up:", "Impact"),
    ("pages/healthcare_use.py", "Healthcare use and cost", ":material/local_hospital:", "Impact"),
    ("pages/star_domains.py", "Well-being Star and PSFS", ":material/star:", "Impact"),
    ("pages/contract_tracker.py", "Outcomes-based contract", ":material/payments:", "Impact"),
    ("pages/report.py", "Commissioner report", ":material/summarize:", "Impact"),
    ("pages/safe_caseloads.py", "Safe caseloads", ":material/balance:", "Programme"),
    ("pages/integration.py", "Integration with practices", ":material/handshake:", "Programme"),
    ("pages/unmet_needs.py", "Unmet needs", ":material/report:", "Programme"),
    ("pages/mdt_meeting.py", "MDT meeting", ":material/diversity_3:", "Practice"),
    ("pages/message_back.py", "Message back to the GP", ":material/forward_to_inbox:", "Practice"),
    ("pages/data_quality.py", "Data quality", ":material/fact_check:", "Data"),
    ("pages/import_data.py", "Import data", ":material/upload_file:", "Data"),
    ("pages/audit_trail.py", "Audit trail", ":material/policy:", "Data"),
    ("pages/methods.py", "Methods and sources", ":material/menu_book:", "Data"),
]
FIRST_BUILD_WORDING = "about a minute"  # README says the same


# ---------------------------------------------------------------- first start


def _build_demo() -> None:
    from wellpath import demo

    st.title("Setting up Wellpath")
    st.write(
        f"No database was found at `{data.db_path()}`, so Wellpath is building its demo "
        "world: an invented service with the four Newcastle pilot practices. This takes "
        f"{FIRST_BUILD_WORDING}, the first time only."
    )
    bar = st.progress(0.0, text="Starting")

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=message)

    demo.build(data.db_path(), scale="demo", progress=progress)
    bar.progress(1.0, text="Done")
    st.rerun()


def build_demo_if_missing() -> None:
    """First start: build the demo world, showing only its progress (no page list)."""
    if data.db_identity() is not None:
        return
    st.navigation([st.Page(_build_demo, title="Setting up Wellpath")], position="hidden").run()
    st.stop()


def upgrade_if_stale() -> None:
    """A file written by another version of Wellpath gets this version's schema and derived
    tables before anything reads it (the contract tables, the data sent in, are unchanged)."""
    if data.db_identity() is None or data.database_is_current():
        return
    from wellpath import db

    with st.spinner("Updating the database for this version of Wellpath..."):
        db.upgrade(data.db_path())
    st.rerun()


# ---------------------------------------------------------------- who is looking


def is_demo_data() -> bool:
    provenance = data.service_query("data_provenance")
    return bool(len(provenance)) and bool(provenance["is_demo"].iloc[0])


def demo_practice(practices) -> tuple[str, str] | None:
    """The practice the demo's "one practice" view shows: the first pilot practice."""
    if not len(practices):
        return None
    rows = practices[practices["role"] == "pilot"] if "role" in practices else practices
    row = (rows if len(rows) else practices).iloc[0]
    return str(row["practice_code"]), str(row["practice_name"])


def _demo_scope() -> Scope:
    """Demo data and no users: no login, a role switcher (invented data, nothing to protect)."""
    practices = data.service_query("practice_list")
    one = demo_practice(practices)
    choices: dict[str, Scope] = {"Programme lead": auth.scope_for("programme_lead")}
    if one is not None:
        choices[f"Practice: {one[1]} ({one[0]})"] = auth.scope_for("practice", (one[0],))
    choices["Commissioner"] = auth.scope_for("commissioner")
    with st.sidebar:
        picked = st.radio(
            "View as",
            list(choices),
            key="demo_view_as",
            help="Demo data only: see what each role would see. A database with a "
            "service's own data always asks people to sign in.",
        )
    scope = choices.get(picked, auth.scope_for("commissioner"))
    now = dt.datetime.now(dt.UTC)
    auth.hold(scope, auth.Viewer(str(picked), scope, "demo", now, now))
    return scope


def _first_user_help() -> None:
    st.title("Wellpath: add the first user")
    st.write(
        "This database holds a service's own data, so Wellpath asks everyone to sign in, "
        "and no user has been added yet. On the server, as the account that runs Wellpath, "
        "add the first programme lead (the password is read from standard input, never "
        "from the command line):"
    )
    st.code(
        f"python -m wellpath user add YOUR.NAME --role programme_lead --password-stdin "
        f"--db {data.db_path()}",
        language="bash",
    )
    st.write(
        "Then reload this page and sign in. Practice managers and commissioners are added "
        "the same way (`--role practice --practices A86012` or `--role commissioner`); "
        "`python -m wellpath user list` shows who has access."
    )


def _sso_provider() -> tuple[bool, str | None]:
    """Whether single sign-on is set up in secrets.toml ([auth]), and the provider's name."""
    try:
        section = st.secrets.get("auth")
    except Exception:  # no secrets.toml: local accounts only
        return False, None
    if not section:
        return False, None
    named = [k for k, v in section.items() if hasattr(v, "keys")]
    return True, (named[0] if named else None)


def _sso_viewer() -> tuple[auth.Viewer | None, str]:
    configured, _ = _sso_provider()
    if not configured:
        return None, ""
    try:
        logged_in = bool(st.user.is_logged_in)
    except Exception:
        return None, ""
    if not logged_in:
        return None, ""
    viewer, why = auth.viewer_from_identity(data.db_path(), st.user.to_dict())
    return viewer, why


def _sign_in_page(message: str = "") -> None:
    st.title("Sign in to Wellpath")
    if message:
        st.warning(message, icon=":material/lock:")
    with st.form("sign_in", clear_on_submit=True):
        username = st.text_input("Username", key="sign_in_username", max_chars=64)
        password = st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        viewer, why = auth.authenticate(data.db_path(), username, password)
        if viewer is None:
            st.error(why, icon=":material/block:")
        else:
            auth.hold(viewer.scope, viewer)
            st.rerun()
    configured, provider = _sso_provider()
    if configured:
        st.divider()
        if st.button("Sign in with single sign-on (NHSmail)", key="sign_in_sso"):
            st.login(provider) if provider else st.login()
    st.caption(
        "Accounts are made by your programme lead. After "
        f"{auth.MAX_FAILURES} failed attempts in "
        f"{int(auth.LOCKOUT_WINDOW.total_seconds() // 60)} minutes an account is locked "
        "for a while; an idle session ends after "
        f"{int(auth.IDLE_TIMEOUT.total_seconds() // 60)} minutes."
    )


def _sign_out(viewer: auth.Viewer) -> None:
    from wellpath import audit

    audit.record("sign_out", viewer.username, {"method": viewer.method}, db_path=data.db_path())
    auth.hold(None)
    if viewer.method == "sso":
        st.logout()


def gate() -> Scope:
    """Who is looking, for this run: their Scope, held on the server. Stops the run with the
    sign-in form (or the first-user help) when nobody may look yet."""
    state = st.session_state
    if auth.test_hooks_enabled() and isinstance(state.get(auth.TEST_SCOPE_KEY), Scope):
        return state[auth.TEST_SCOPE_KEY]
    path = data.db_path()
    users = auth.has_users(path)
    if is_demo_data() and not users:
        return _demo_scope()
    if not users:
        auth.hold(None)
        _first_user_help()
        st.stop()
    message = ""
    viewer = auth.current_viewer()
    if viewer is not None and viewer.method == "demo":
        viewer = None
    if viewer is not None:
        refreshed, why = auth.still_valid(path, viewer)
        if refreshed is None:
            from wellpath import audit

            audit.record("session_expired", viewer.username, {"reason": why}, db_path=path)
            auth.hold(None)
            message = "Your session has ended. Please sign in again."
            if viewer.method == "sso":
                st.logout()
        viewer = refreshed
    if viewer is None:
        viewer, why = _sso_viewer()
        message = why or message
    if viewer is None:
        auth.hold(None)
        _remember_requested_page()
        _sign_in_page(message)
        st.stop()
    auth.hold(viewer.scope, viewer)
    with st.sidebar:
        st.caption(f"Signed in as **{viewer.username}** ({viewer.scope.label})")
        st.button(
            "Sign out", key="sign_out", icon=":material/logout:", on_click=_sign_out, args=(viewer,)
        )
    return viewer.scope


# ---------------------------------------------------------------- periods


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def month_end(d: dt.date) -> dt.date:
    following = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def add_months(d: dt.date, months: int) -> dt.date:
    index = d.year * 12 + d.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def last_complete_month_end(today: dt.date) -> dt.date:
    return month_start(today) - dt.timedelta(days=1)


PERIODS = [
    "Last 12 complete months",
    "Last 3 complete months",
    "This financial year",
    "A quarter",
    "Since the start",
    "Custom (whole months)",
]


def quarters(first: dt.date, today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Complete financial-year quarters (Apr-Jun, Jul-Sep, Oct-Dec, Jan-Mar) from the one
    holding `first` to the last one that has ended by `today`, newest first."""
    end = last_complete_month_end(today)
    start = month_start(first)
    start = add_months(start, -((start.month - 1) % 3))  # calendar quarter = FY quarter
    out = []
    while month_end(add_months(start, 2)) <= end:
        out.append((start, month_end(add_months(start, 2))))
        start = add_months(start, 3)
    return out[::-1]


def quarter_label(q: tuple[dt.date, dt.date]) -> str:
    start, end = q
    fy = start.year if start.month >= 4 else start.year - 1
    number = ((start.month - 4) % 12) // 3 + 1
    return f"Q{number} {fy}-{str(fy + 1)[-2:]} ({start:%b} to {end:%b %Y})"


def period_dates(
    choice: str,
    today: dt.date,
    first: dt.date,
    quarter: tuple[dt.date, dt.date] | None = None,
) -> tuple[dt.date, dt.date]:
    """Whole months, ending with the last complete month (the month before `today`'s)."""
    end = last_complete_month_end(today)
    if choice == "Last 3 complete months":
        return add_months(month_start(end), -2), end
    if choice == "This financial year":
        year = end.year if end.month >= 4 else end.year - 1
        return dt.date(year, 4, 1), end
    if choice == "A quarter" and quarter is not None:
        return quarter
    if choice == "Since the start":
        return min(month_start(first), month_start(end)), end
    return add_months(month_start(end), -11), end


def snap_to_months(start: dt.date, end: dt.date, today: dt.date) -> tuple[dt.date, dt.date]:
    """A custom range as whole months: from the 1st of the first month to the end of the
    last, and no later than the last complete month."""
    if end < start:
        start, end = end, start
    last = last_complete_month_end(today)
    snapped_end = min(month_end(end), last)
    snapped_start = min(month_start(start), month_start(snapped_end))
    return snapped_start, snapped_end


# ---------------------------------------------------------------- the sidebar


def _choose(label: str, options: dict, one_only: bool, key: str, everything: str) -> tuple:
    """Pick some (unrounded) or one-or-all (rounded) of `options`; forged values dropped."""
    if one_only:
        picked = st.selectbox(
            label,
            [None, *options],
            format_func=lambda c: everything if c is None else str(options[c]),
            key=f"{key}_one",
        )
        chosen = () if picked is None else (picked,)
    else:
        chosen = tuple(
            st.multiselect(
                label,
                list(options),
                format_func=lambda c: str(options[c]),
                placeholder=everything,
                key=key,
            )
        )
    return tuple(c for c in chosen if c in options)


def sidebar_filters(base: Scope) -> Scope:
    """The shared filters every page honours, kept in session state for the pages; returns
    the scope after the "Publishable figures" toggle (which can only narrow it)."""
    practices = data.service_query("practice_list")
    practices = practices[practices["practice_code"].astype(str).map(base.allows)]
    workers = data.service_query("worker_list")
    span = data.service_query("referral_date_span")
    today = dt.date.today()
    first = span["first_referral_date"].iloc[0] if len(span) else None
    first = first.date() if hasattr(first, "date") else (first or add_months(today, -12))
    state = st.session_state

    with st.sidebar:
        st.header("Filters")
        if base.rounded:
            state["filter_publishable"] = True
        publishable = st.toggle(
            "Publishable figures",
            key="filter_publishable",
            disabled=base.rounded,
            help=(
                "Applies statistical disclosure control, as for anything that leaves a "
                "practice: counts of 1-7 shown as *, other counts rounded to the nearest 5, "
                "statistics about 7 or fewer people suppressed. Commissioners always see "
                "publishable figures."
            ),
        )
        scope = base.narrowed(publishable is True)

        choice = st.selectbox("Period", PERIODS, key="filter_period")
        quarter = None
        if choice == "A quarter":
            options = quarters(first, today)
            if options:
                quarter = st.selectbox(
                    "Quarter", options, format_func=quarter_label, key="filter_quarter"
                )
        start, end = period_dates(choice, today, first, quarter)
        if choice == "Custom (whole months)":
            picked = st.date_input(
                "From and to", value=(start, end), format="DD/MM/YYYY", key="filter_dates"
            )
            if isinstance(picked, tuple | list) and len(picked) == 2:
                start, end = snap_to_months(picked[0], picked[1], today)
                if (start, end) != tuple(picked):
                    st.caption("Figures are for whole months, so the range was widened or cut.")
        st.caption(f"{uk_date(start)} to {uk_date(end)}")

        one_only = scope.rounded
        if one_only:
            st.caption("Publishable figures: choose one practice, PCN or condition, or all.")
        names = dict(zip(practices["practice_code"], practices["practice_name"], strict=True))
        chosen_practices = _choose(
            "Practice",
            {c: f"{n} ({c})" for c, n in names.items()},
            one_only,
            "filter_practices",
            "All practices" if base.practice_codes is None else "All your practices",
        )
        pcns = (
            practices.dropna(subset=["pcn_code"])
            .drop_duplicates("pcn_code")
            .set_index("pcn_code")["pcn_name"]
            .to_dict()
        )
        chosen_pcns = _choose("Primary care network", pcns, one_only, "filter_pcns", "All PCNs")
        chosen_conditions = _choose(
            "Condition", dict(labels.CONDITIONS), one_only, "filter_conditions", "All conditions"
        )
        worker_names = dict(zip(workers["worker_id"], workers["display_name"], strict=True))
        chosen_workers = _choose(
            "Link worker", worker_names, one_only, "filter_workers", "All link workers"
        )

    filters = Filters(
        start_date=start,
        end_date=end,
        practice_codes=chosen_practices,
        pcn_codes=chosen_pcns,
        conditions=chosen_conditions,
        worker_ids=chosen_workers,
    )
    if auth.test_hooks_enabled() and isinstance(state.get(auth.TEST_FILTERS_KEY), Filters):
        filters = state[auth.TEST_FILTERS_KEY]
    state["wellpath_filters"] = filters
    return scope


# ---------------------------------------------------------------- navigation


def page_stem(path: str) -> str:
    return Path(path).stem


def allowed_pages(scope: Scope) -> dict[str, list[tuple[str, str, str]]]:
    """The pages this viewer's role may open, by section: (file, title, icon)."""
    sections: dict[str, list[tuple[str, str, str]]] = {}
    for path, title, icon, section in PAGES:
        if access.may_open(page_stem(path), scope) and (REPO / path).is_file():
            sections.setdefault(section, []).append((path, title, icon))
    return sections


def _all_pages() -> list:
    return [
        st.Page(path, title=title, icon=icon, default=i == 0)
        for i, (path, title, icon, _) in enumerate(PAGES)
        if (REPO / path).is_file()
    ]


def navigation_menu(scope: Scope, where=None) -> None:
    """The sidebar's page list: only the pages this role may open. (Every page is routable,
    so links between pages work; a page this role may not open refuses to draw itself.)"""
    with where if where is not None else st.sidebar:
        for section, pages in allowed_pages(scope).items():
            st.caption(section.upper())
            for path, title, icon in pages:
                st.page_link(path, label=title, icon=icon)


# The page a signed-out person asked for (the last part of the address they opened), opened
# for them once they have signed in: the sign-in run routes no page, so Streamlit itself
# forgets the address and would show the Overview.
AFTER_SIGN_IN_KEY = "wellpath_after_sign_in"


def _remember_requested_page() -> None:
    state = st.session_state
    if AFTER_SIGN_IN_KEY in state:
        return
    try:
        url = st.context.url
    except Exception:  # noqa: BLE001 (no browser behind this run: a test, a script)
        url = None
    if url:
        from urllib.parse import urlparse

        state[AFTER_SIGN_IN_KEY] = urlparse(url).path.rstrip("/").rsplit("/", 1)[-1]


def navigate(scope: Scope, run_page: bool = True, where=None) -> None:
    """st.navigation with every page, its own list hidden; the role's menu drawn instead.
    Straight after a sign-in, the page the person had asked for is opened instead, when their
    role may open it."""
    pages = _all_pages()
    page = st.navigation(pages, position="hidden")
    wanted = st.session_state.pop(AFTER_SIGN_IN_KEY, None)
    if run_page and wanted and wanted != page.url_path:
        allowed = {
            page_stem(path) for section in allowed_pages(scope).values() for path, *_ in section
        }
        for candidate in pages:
            if candidate.url_path == wanted and wanted in allowed:
                st.switch_page(candidate)
    navigation_menu(scope, where)
    if run_page:
        page.run()


def run() -> None:
    """The router's whole run: first start, upgrade, viewer, sidebar, the role's pages."""
    with data.page_run():
        _run()


def _run() -> None:
    data.clean_leftovers_at_start()
    build_demo_if_missing()
    upgrade_if_stale()
    menu = st.sidebar.container()
    base = gate()
    scope = sidebar_filters(base)
    auth.hold(scope)
    navigate(scope, where=menu)


def page_config() -> None:
    """Title, favicon and the wide layout every page is laid out for."""
    st.set_page_config(
        page_title="Wellpath",
        page_icon=str(FAVICON),
        layout="wide",
        initial_sidebar_state="expanded",
    )


def ensure_shell() -> None:
    """Draw the shell when this page was started without the router.

    While a folder called pages/ sits beside the main script, Streamlit starts a fresh server
    in its old multipage mode until some session has run st.navigation: a first visitor who
    opens a page's own URL gets the page alone. `st.navigation` is Streamlit's public switch
    out of that mode (it "disregards the pages/ directory" from then on, for every session),
    so call it here with this viewer's pages, without running one (this page is running),
    and draw the shell, so that this run has a viewer, filters and the role's page list.
    """
    # A page served without the router (a fresh server's first deep link) still gets the
    # wide layout its tables are sized for.
    page_config()
    state = st.session_state
    if "wellpath_filters" in state and auth.SCOPE_KEY in state:
        return  # the router has served this session a viewer: its scope and filters hold
    if auth.test_hooks_enabled() and isinstance(state.get(auth.TEST_SCOPE_KEY), Scope):
        # A test that runs a page file on its own, as a given viewer.
        auth.hold(state[auth.TEST_SCOPE_KEY])
        if isinstance(state.get(auth.TEST_FILTERS_KEY), Filters):
            state["wellpath_filters"] = state[auth.TEST_FILTERS_KEY]
        return
    build_demo_if_missing()
    upgrade_if_stale()
    menu = st.sidebar.container()
    base = gate()
    scope = sidebar_filters(base)
    auth.hold(scope)
    navigate(scope, run_page=False, where=menu)
