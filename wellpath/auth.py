"""Who is signed in, and the one place their Scope is minted.

Accounts live in the users and audit store beside the DuckDB file (`wellpath.audit`);
passwords are hashed with Argon2id (argon2-cffi) and never stored, logged or echoed. A
viewer signs in with a local account (the sign-in form) or through single sign-on
(`st.login`, OIDC: Entra ID / NHSmail), whose e-mail address is looked up in the same users
table for the role and practices (never token groups).

`current_scope()` is the only function that mints the viewer's Scope. It reads the scope the
shell put in session state under SCOPE_KEY, a key no widget uses (a client can set a
widget's value, never a plain session-state key). When nothing has set it, the scope is
PUBLISHABLE: rounded, no lists of people, never full access. The "Publishable figures"
toggle can only narrow it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from wellpath import audit
from wellpath.scope import PUBLISHABLE, ROLES, Scope

SCOPE_KEY = "_wellpath_held_scope"
VIEWER_KEY = "_wellpath_held_viewer"
# Test-only hooks (tests/app/conftest.py): honoured only when a test has switched them on in
# this process, never through anything a client or an environment variable can set.
TEST_SCOPE_KEY = "wellpath_test_scope"
TEST_FILTERS_KEY = "wellpath_test_filters"
_test_hooks = False

MAX_FAILURES = 5
LOCKOUT_WINDOW = dt.timedelta(minutes=15)
IDLE_TIMEOUT = dt.timedelta(minutes=30)
ABSOLUTE_TIMEOUT = dt.timedelta(hours=10)

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
PRACTICE_CODE = re.compile(r"^[A-Z0-9]{3,10}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class UserError(ValueError):
    """A user command that cannot be carried out (bad name, role, practices, ...)."""


def enable_test_hooks(on: bool = True) -> None:
    global _test_hooks
    _test_hooks = on


def test_hooks_enabled() -> bool:
    return _test_hooks


# ---------------------------------------------------------------- users


@dataclass(frozen=True)
class User:
    username: str
    role: str
    practice_codes: tuple[str, ...]
    email: str | None
    disabled: bool

    @property
    def scope(self) -> Scope:
        return scope_for(self.role, self.practice_codes)


def scope_for(role: str, practice_codes: tuple[str, ...] = ()) -> Scope:
    """The Scope a role grants: the lead every practice unrounded, a practice its own
    practices unrounded, a commissioner every practice rounded."""
    if role == "programme_lead":
        return Scope(role="programme_lead")
    if role == "practice":
        return Scope(role="practice", practice_codes=tuple(practice_codes))
    if role == "commissioner":
        return Scope(role="commissioner", rounded=True)
    raise UserError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")


# Argon2id at OWASP's recommended minimum (Password Storage Cheat Sheet: m = 19 MiB, t = 2,
# p = 1), not argon2-cffi's default (RFC 9106's 64 MiB, t = 3, p = 4): OWASP lists the two
# as giving the same defence, and the default took 0.22 CPU-seconds a sign-in here against
# 0.04, which twenty practice managers signing in at once before their MDT meetings
# queue behind on a 2-core server. A hash made with other parameters still verifies (they
# are in the hash) and is re-made with these at the next successful sign-in.
ARGON2_TIME_COST = 2
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_PARALLELISM = 1


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher(
        time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_PARALLELISM
    )


def hash_password(password: str) -> str:
    if len(password) < 12:
        raise UserError("a password has at least 12 characters")
    return _hasher().hash(password)


def _row_user(row: tuple) -> User:
    username, role, practices, email, disabled = row
    codes = tuple(c for c in practices.split(",") if c)
    return User(username, role, codes, email, bool(disabled))


def _check(username: str, role: str, practices: tuple[str, ...], email: str | None) -> None:
    if not USERNAME.match(username):
        raise UserError(
            "a username is 1-64 letters, digits, '.', '_', '@' or '-', starting with a "
            "letter or digit"
        )
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    if role == "practice" and not practices:
        raise UserError("a practice user needs --practices CODE[,CODE]")
    if role != "practice" and practices:
        raise UserError(f"--practices is for the practice role only (not {role})")
    for code in practices:
        if not PRACTICE_CODE.match(code):
            raise UserError(f"{code!r} is not a practice code (e.g. A86012)")
    if email is not None and not EMAIL.match(email):
        raise UserError(f"{email!r} is not an e-mail address")


def add_user(
    db_path: Path | None,
    username: str,
    role: str,
    practices: tuple[str, ...] = (),
    password: str | None = None,
    email: str | None = None,
    *,
    by: str | None = None,
) -> User:
    """Add a user, or change an existing one (role, practices, e-mail, password; enabled)."""
    practices = tuple(sorted({p.strip().upper() for p in practices if p.strip()}))
    email = email.strip().lower() if email else None
    _check(username, role, practices, email)
    if password is None and email is None:
        raise UserError("give a password (--password-stdin) or an e-mail for single sign-on")
    hashed = hash_password(password) if password is not None else None
    now = audit.now_utc().isoformat(timespec="seconds")
    with audit.connect(db_path) as con:
        existing = con.execute("select 1 from users where username = ?", (username,)).fetchone()
        if email is not None:
            other = con.execute(
                "select username from users where email = ? and username <> ?", (email, username)
            ).fetchone()
            if other:
                raise UserError(f"{email} is already the e-mail of user {other[0]}")
        if existing:
            con.execute(
                "update users set role = ?, practices = ?, email = coalesce(?, email), "
                "password_hash = coalesce(?, password_hash), disabled = 0, updated_at = ? "
                "where username = ?",
                (role, ",".join(practices), email, hashed, now, username),
            )
        else:
            con.execute(
                "insert into users (username, role, practices, email, password_hash, disabled, "
                "created_at, updated_at) values (?, ?, ?, ?, ?, 0, ?, ?)",
                (username, role, ",".join(practices), email, hashed, now, now),
            )
    changes = (
        ["role", "practices"] + (["email"] if email else []) + (["password"] if hashed else [])
    )
    audit.record(
        "user_changed" if existing else "user_added",
        by,
        {"role": role, "practices": practices, "changes": changes, "reason": f"user {username}"},
        db_path=db_path,
    )
    user = get_user(db_path, username)
    assert user is not None
    return user


def disable_user(db_path: Path | None, username: str, *, by: str | None = None) -> None:
    with audit.connect(db_path) as con:
        done = con.execute(
            "update users set disabled = 1, updated_at = ? where username = ?",
            (audit.now_utc().isoformat(timespec="seconds"), username),
        ).rowcount
    if not done:
        raise UserError(f"there is no user {username!r}")
    audit.record("user_disabled", by, {"reason": f"user {username}"}, db_path=db_path)


def get_user(db_path: Path | None, username: str) -> User | None:
    with audit.connect(db_path) as con:
        row = con.execute(
            "select username, role, practices, email, disabled from users where username = ?",
            (username,),
        ).fetchone()
    return _row_user(row) if row else None


def user_by_email(db_path: Path | None, email: str) -> User | None:
    with audit.connect(db_path) as con:
        row = con.execute(
            "select username, role, practices, email, disabled from users where email = ?",
            (email.strip().lower(),),
        ).fetchone()
    return _row_user(row) if row else None


def list_users(db_path: Path | None) -> list[User]:
    with audit.connect(db_path) as con:
        rows = con.execute(
            "select username, role, practices, email, disabled from users order by username"
        ).fetchall()
    return [_row_user(r) for r in rows]


def has_users(db_path: Path | None) -> bool:
    if not audit.store_path(db_path).exists():
        return False
    with audit.connect(db_path) as con:
        return con.execute("select count(*) from users").fetchone()[0] > 0


# ---------------------------------------------------------------- signing in


@dataclass(frozen=True)
class Viewer:
    """A signed-in person, as held on the server for their session."""

    username: str
    scope: Scope
    method: str  # "password", "sso" or "demo"
    signed_in_at: dt.datetime
    last_seen: dt.datetime
    token_expires_at: dt.datetime | None = None


def _recent_failures(db_path: Path | None, username: str, now: dt.datetime) -> int:
    since = (now - LOCKOUT_WINDOW).isoformat(timespec="seconds")
    with audit.connect(db_path) as con:
        last_ok = con.execute(
            "select max(at) from audit_events where username = ? and event = 'sign_in'",
            (username,),
        ).fetchone()[0]
        start = max(since, last_ok or since)
        return con.execute(
            "select count(*) from audit_events where username = ? and event = 'sign_in_failed' "
            "and at >= ?",
            (username, start),
        ).fetchone()[0]


_DUMMY_HASH: str | None = None


def authenticate(
    db_path: Path | None, username: str, password: str, now: dt.datetime | None = None
) -> tuple[Viewer | None, str]:
    """(viewer, "") on success, else (None, a message that does not say which part was wrong,
    except for a lockout). Every attempt is in the audit trail; the password never is."""
    from argon2.exceptions import InvalidHashError, VerificationError

    global _DUMMY_HASH
    now = now or audit.now_utc()
    name = username.strip()
    logged_name = name if USERNAME.match(name) else "(not a valid username)"
    refused = "That username and password do not match an active account."
    if _recent_failures(db_path, logged_name, now) >= MAX_FAILURES:
        audit.record("locked_out", logged_name, {"method": "password"}, db_path=db_path, at=now)
        minutes = int(LOCKOUT_WINDOW.total_seconds() // 60)
        return None, (
            f"Too many failed attempts: this account is locked for {minutes} minutes. "
            "Ask your programme lead if you have forgotten your password."
        )
    user = get_user(db_path, name) if USERNAME.match(name) else None
    with audit.connect(db_path) as con:
        row = con.execute("select password_hash from users where username = ?", (name,)).fetchone()
    stored = row[0] if row else None
    hasher = _hasher()
    ok = False
    try:
        if stored:
            ok = hasher.verify(stored, password)
        else:  # same work for an unknown name, so timing does not tell names apart
            _DUMMY_HASH = _DUMMY_HASH or hasher.hash("not a real password")
            hasher.verify(_DUMMY_HASH, password + "x")
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or user.disabled:
        audit.record(
            "sign_in_failed",
            logged_name,
            {"method": "password", "reason": "disabled" if user and user.disabled else "bad"},
            db_path=db_path,
            at=now,
        )
        return None, refused
    if stored and hasher.check_needs_rehash(stored):
        with audit.connect(db_path) as con:
            con.execute(
                "update users set password_hash = ? where username = ? and password_hash = ?",
                (hasher.hash(password), name, stored),
            )
    audit.record(
        "sign_in",
        user.username,
        {"method": "password", "role": user.role, "practices": user.practice_codes},
        db_path=db_path,
        at=now,
    )
    return Viewer(user.username, user.scope, "password", now, now), ""


def viewer_from_identity(
    db_path: Path | None, identity: Mapping[str, object], now: dt.datetime | None = None
) -> tuple[Viewer | None, str]:
    """The viewer for a single sign-on identity (st.user's claims), or (None, why not).

    The e-mail (email, else preferred_username or upn, as Entra ID sends) is looked up in the
    users table: role and practices come from Wellpath, never from the token. The ID token's
    expiry (exp) is checked here, as Streamlit does not."""
    now = now or audit.now_utc()
    if not identity.get("is_logged_in", True):
        return None, "Not signed in."
    exp = identity.get("exp")
    try:
        expires = dt.datetime.fromtimestamp(float(exp), dt.UTC) if exp is not None else None
    except (TypeError, ValueError, OverflowError):
        expires = None
    if expires is None or expires <= now:
        audit.record("sso_refused", None, {"reason": "token expired or no expiry"}, db_path=db_path)
        return None, "Your single sign-on session has expired. Sign in again."
    email = next(
        (
            str(identity[k]).strip().lower()
            for k in ("email", "preferred_username", "upn")
            if identity.get(k) and EMAIL.match(str(identity[k]).strip())
        ),
        None,
    )
    user = user_by_email(db_path, email) if email else None
    if user is None or user.disabled:
        audit.record(
            "sso_refused",
            None,
            {"reason": "no active Wellpath user with this e-mail", "method": "sso"},
            db_path=db_path,
        )
        return None, (
            "You signed in, but Wellpath has no active account for this e-mail address. "
            "Ask your programme lead to add you."
        )
    audit.record(
        "sign_in",
        user.username,
        {"method": "sso", "role": user.role, "practices": user.practice_codes},
        db_path=db_path,
        at=now,
    )
    return Viewer(user.username, user.scope, "sso", now, now, token_expires_at=expires), ""


def still_valid(
    db_path: Path | None, viewer: Viewer, now: dt.datetime | None = None
) -> tuple[Viewer | None, str]:
    """The viewer refreshed for this run (role and practices re-read, last_seen moved on),
    or (None, why the session ended): idle, too old, token expired, account disabled."""
    now = now or audit.now_utc()
    if viewer.method == "demo":
        return viewer, ""
    if now - viewer.last_seen > IDLE_TIMEOUT:
        return None, "idle"
    if now - viewer.signed_in_at > ABSOLUTE_TIMEOUT:
        return None, "absolute"
    if viewer.token_expires_at is not None and viewer.token_expires_at <= now:
        return None, "token expired"
    user = get_user(db_path, viewer.username)
    if user is None or user.disabled:
        return None, "account disabled"
    return replace(viewer, scope=user.scope, last_seen=now), ""


# ---------------------------------------------------------------- the scope, in a session


def current_scope() -> Scope:
    """The viewer's scope for this run: the one the shell holds for the session, narrowed
    (never widened) by the "Publishable figures" toggle; PUBLISHABLE when nothing set it."""
    import streamlit as st

    state = st.session_state
    held = state.get(SCOPE_KEY)
    if not isinstance(held, Scope):
        return PUBLISHABLE
    return held.narrowed(state.get("filter_publishable") is True)


def hold(scope: Scope | None, viewer: Viewer | None = None) -> None:
    """Set (or clear) the session's scope and viewer: the shell's call, no one else's."""
    import streamlit as st

    if scope is None:
        st.session_state.pop(SCOPE_KEY, None)
        st.session_state.pop(VIEWER_KEY, None)
        return
    st.session_state[SCOPE_KEY] = scope
    if viewer is not None:
        st.session_state[VIEWER_KEY] = viewer


def current_viewer() -> Viewer | None:
    import streamlit as st

    viewer = st.session_state.get(VIEWER_KEY)
    return viewer if isinstance(viewer, Viewer) else None
