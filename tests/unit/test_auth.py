"""Accounts, sign-in, lockout, session expiry, the single sign-on mapping, the audit store,
the user CLI, roles' scopes and the whole-month periods, without Streamlit."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import sqlite3

import pytest

from wellpath import access, audit, auth, shell
from wellpath.__main__ import main
from wellpath.scope import PUBLISHABLE, Scope

PASSWORD = "correct horse battery staple"
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "w.duckdb"
    auth.add_user(path, "lead", "programme_lead", password=PASSWORD)
    auth.add_user(path, "pm", "practice", ("a86012", "A86013"), PASSWORD)
    auth.add_user(path, "comm", "commissioner", email="Comm@NHS.net", password=PASSWORD)
    return path


# ---------------------------------------------------------------- scopes


def test_scopes_by_role() -> None:
    assert auth.scope_for("programme_lead") == Scope()
    assert auth.scope_for("practice", ("A86013", "A86012")).practice_codes == ("A86012", "A86013")
    assert auth.scope_for("commissioner").rounded
    # A commissioner is rounded whatever is asked; a practice scope must name practices.
    assert Scope(role="commissioner", rounded=False).rounded
    with pytest.raises(ValueError):
        Scope(role="practice")
    with pytest.raises(ValueError):
        Scope(role="superuser")


def test_narrowing_never_widens() -> None:
    lead = auth.scope_for("programme_lead")
    assert lead.narrowed(True).rounded and not lead.narrowed(False).rounded
    assert PUBLISHABLE.narrowed(False).rounded
    practice = auth.scope_for("practice", ("A86012",))
    assert practice.narrowed(True).practice_codes == ("A86012",)
    comparison = practice.service_comparison()
    assert comparison.practice_codes is None and comparison.rounded
    assert hash(practice) != hash(practice.narrowed(True))  # distinct cache keys


def test_page_rules() -> None:
    practice = auth.scope_for("practice", ("A86012",))
    commissioner = auth.scope_for("commissioner")
    lead = auth.scope_for("programme_lead")
    assert access.may_open("mdt_meeting", practice) and access.may_open("mdt_meeting", lead)
    assert not access.may_open("mdt_meeting", commissioner)
    for page in ("import_data", "audit_trail"):
        assert access.may_open(page, lead)
        assert not access.may_open(page, practice) and not access.may_open(page, commissioner)
    # A page nobody listed opens for the programme lead only.
    assert not access.may_open("new_page", practice) and access.may_open("new_page", lead)
    assert set(access.PAGE_ROLES) == {shell.page_stem(p[0]) for p in shell.PAGES}


# ---------------------------------------------------------------- accounts


def test_passwords_are_hashed_never_stored(db) -> None:
    raw = audit.store_path(db).read_bytes()
    con = sqlite3.connect(audit.store_path(db))
    hashes = [h for (h,) in con.execute("select password_hash from users")]
    events = " ".join(d for (d,) in con.execute("select detail from audit_events"))
    con.close()
    assert PASSWORD.encode() not in raw and PASSWORD not in events
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert audit.store_path(db).name == "w.duckdb.users.sqlite"


def test_user_rules(db) -> None:
    with pytest.raises(auth.UserError, match="practices"):
        auth.add_user(db, "x", "practice", (), PASSWORD)
    with pytest.raises(auth.UserError, match="practice role only"):
        auth.add_user(db, "x", "commissioner", ("A86012",), PASSWORD)
    with pytest.raises(auth.UserError, match="12 characters"):
        auth.add_user(db, "x", "commissioner", (), "short")
    with pytest.raises(auth.UserError, match="username"):
        auth.add_user(db, "bad name", "commissioner", (), PASSWORD)
    with pytest.raises(auth.UserError, match="already the e-mail"):
        auth.add_user(db, "x", "commissioner", (), PASSWORD, email="comm@nhs.net")
    assert auth.get_user(db, "pm").practice_codes == ("A86012", "A86013")


def test_sign_in(db) -> None:
    viewer, message = auth.authenticate(db, "pm", PASSWORD, NOW)
    assert viewer is not None and message == ""
    assert viewer.scope == Scope(role="practice", practice_codes=("A86012", "A86013"))
    nobody, message = auth.authenticate(db, "pm", "wrong password!!", NOW)
    assert nobody is None and "do not match" in message
    unknown, message2 = auth.authenticate(db, "nobody", PASSWORD, NOW)
    assert unknown is None and message2 == message  # no hint which part was wrong
    kinds = [e["event"] for e in audit.events(db)]
    assert kinds[:3] == ["sign_in_failed", "sign_in_failed", "sign_in"]


def _stored_hash(db, username: str) -> str:
    con = sqlite3.connect(audit.store_path(db))
    (found,) = con.execute(
        "select password_hash from users where username = ?", (username,)
    ).fetchone()
    con.close()
    return found


def test_hashes_use_owasp_parameters_and_old_ones_are_remade_at_sign_in(db) -> None:
    from argon2 import PasswordHasher

    assert "$m=19456,t=2,p=1$" in _stored_hash(db, "pm")
    # an account made by an earlier version: argon2-cffi's default (64 MiB, t=3, p=4)
    old = PasswordHasher().hash(PASSWORD)
    con = sqlite3.connect(audit.store_path(db))
    with con:
        con.execute("update users set password_hash = ? where username = 'pm'", (old,))
    con.close()
    assert auth.authenticate(db, "pm", "wrong password!!", NOW)[0] is None
    assert _stored_hash(db, "pm") == old  # a failed sign-in changes nothing
    assert auth.authenticate(db, "pm", PASSWORD, NOW)[0] is not None
    remade = _stored_hash(db, "pm")
    assert remade != old and "$m=19456,t=2,p=1$" in remade
    assert auth.authenticate(db, "pm", PASSWORD, NOW)[0] is not None  # and still signs in
    assert _stored_hash(db, "pm") == remade


def test_lockout_after_five_failures(db) -> None:
    for minute in range(5):
        at = NOW + dt.timedelta(minutes=minute)
        assert auth.authenticate(db, "pm", "not the password", at)[0] is None
    viewer, message = auth.authenticate(db, "pm", PASSWORD, NOW + dt.timedelta(minutes=6))
    assert viewer is None and "locked" in message
    assert audit.events(db, event="locked_out")
    # Once the window has passed, the right password works again.
    later = NOW + dt.timedelta(minutes=25)
    assert auth.authenticate(db, "pm", PASSWORD, later)[0] is not None


def test_disabled_user_cannot_sign_in_and_is_signed_out(db) -> None:
    viewer, _ = auth.authenticate(db, "pm", PASSWORD, NOW)
    auth.disable_user(db, "pm", by="lead")
    assert auth.authenticate(db, "pm", PASSWORD, NOW)[0] is None
    assert auth.still_valid(db, viewer, NOW + dt.timedelta(minutes=1)) == (
        None,
        "account disabled",
    )


def test_session_expiry(db) -> None:
    viewer, _ = auth.authenticate(db, "lead", PASSWORD, NOW)
    fresh, _ = auth.still_valid(db, viewer, NOW + dt.timedelta(minutes=29))
    assert fresh is not None and fresh.last_seen == NOW + dt.timedelta(minutes=29)
    assert auth.still_valid(db, viewer, NOW + dt.timedelta(minutes=31))[1] == "idle"
    # Active all day: the absolute limit still ends it.
    current = viewer
    for step in range(1, 30):
        current, why = auth.still_valid(db, current, NOW + dt.timedelta(minutes=25 * step))
        if current is None:
            break
    assert why == "absolute"


def test_role_change_applies_at_the_next_run(db) -> None:
    viewer, _ = auth.authenticate(db, "pm", PASSWORD, NOW)
    auth.add_user(db, "pm", "practice", ("A86012",), None, email="pm@nhs.net")
    fresh, _ = auth.still_valid(db, viewer, NOW + dt.timedelta(minutes=1))
    assert fresh.scope.practice_codes == ("A86012",)


# ---------------------------------------------------------------- single sign-on


def _identity(**claims):
    exp = (NOW + dt.timedelta(hours=1)).timestamp()
    return {"is_logged_in": True, "exp": exp, **claims}


def test_sso_maps_email_to_the_users_table(db) -> None:
    viewer, _ = auth.viewer_from_identity(db, _identity(email="comm@nhs.net"), NOW)
    assert viewer.username == "comm" and viewer.scope.rounded and viewer.method == "sso"
    # Entra ID often sends preferred_username rather than email; case does not matter.
    viewer, _ = auth.viewer_from_identity(db, _identity(preferred_username="COMM@nhs.net"), NOW)
    assert viewer is not None and viewer.token_expires_at == NOW + dt.timedelta(hours=1)
    # Groups or roles in the token are ignored: Wellpath's table decides.
    viewer, _ = auth.viewer_from_identity(
        db, _identity(email="comm@nhs.net", roles=["programme_lead"], groups=["admins"]), NOW
    )
    assert viewer.scope.role == "commissioner"


def test_sso_refusals(db) -> None:
    unknown, why = auth.viewer_from_identity(db, _identity(email="stranger@nhs.net"), NOW)
    assert unknown is None and "no active account" in why
    expired = {"is_logged_in": True, "email": "comm@nhs.net", "exp": NOW.timestamp() - 1}
    assert auth.viewer_from_identity(db, expired, NOW)[0] is None
    no_exp = {"is_logged_in": True, "email": "comm@nhs.net"}
    assert auth.viewer_from_identity(db, no_exp, NOW)[0] is None
    auth.disable_user(db, "comm")
    assert auth.viewer_from_identity(db, _identity(email="comm@nhs.net"), NOW)[0] is None
    # A token that expires during the session ends it at the next run.
    auth.add_user(db, "comm", "commissioner", email="comm@nhs.net")
    viewer, _ = auth.viewer_from_identity(db, _identity(email="comm@nhs.net"), NOW)
    later = NOW + dt.timedelta(hours=1, seconds=1)
    active = dataclasses.replace(viewer, last_seen=later - dt.timedelta(minutes=1))
    assert auth.still_valid(db, active, later) == (None, "token expired")


# ---------------------------------------------------------------- audit


def test_audit_keeps_only_known_detail(tmp_path) -> None:
    path = tmp_path / "w.duckdb"
    audit.record(
        "export",
        "pm",
        {"filename": "x.csv", "rows": 3, "pseudonym": "P01", "patient_id": "9434765919"},
        db_path=path,
    )
    (event,) = audit.events(path)
    assert event["detail"] == {"filename": "x.csv", "rows": 3}
    with pytest.raises(ValueError):
        audit.record("made_up", "pm", db_path=path)


# ---------------------------------------------------------------- CLI


def test_user_cli(tmp_path, monkeypatch, capsys) -> None:
    path = tmp_path / "w.duckdb"
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code = main(
        ["user", "add", "pm", "--role", "practice", "--practices", "A86012,A86013",
         "--password-stdin", "--db", str(path)]
    )  # fmt: skip
    assert code == 0
    out = capsys.readouterr()
    assert "practice for A86012, A86013" in out.out and PASSWORD not in out.out + out.err
    assert main(["user", "add", "c", "--role", "commissioner", "--db", str(path)]) == 2
    assert "password" in capsys.readouterr().err
    assert main(["user", "disable", "pm", "--db", str(path)]) == 0
    assert main(["user", "list", "--db", str(path)]) == 0
    listing = capsys.readouterr().out
    assert "pm" in listing and "disabled" in listing and "A86012,A86013" in listing
    assert main(["user", "disable", "nobody", "--db", str(path)]) == 2
    kinds = {e["event"] for e in audit.events(path)}
    assert {"user_added", "user_disabled"} <= kinds


# ---------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("choice", "today", "expected"),
    [
        ("Last 12 complete months", dt.date(2026, 11, 15), ("2025-11-01", "2026-10-31")),
        ("Last 12 complete months", dt.date(2026, 12, 1), ("2025-12-01", "2026-11-30")),
        ("Last 3 complete months", dt.date(2026, 11, 15), ("2026-08-01", "2026-10-31")),
        ("Last 3 complete months", dt.date(2026, 2, 10), ("2025-11-01", "2026-01-31")),
        ("This financial year", dt.date(2026, 11, 15), ("2026-04-01", "2026-10-31")),
        ("This financial year", dt.date(2026, 4, 10), ("2025-04-01", "2026-03-31")),
        ("Since the start", dt.date(2026, 11, 15), ("2024-06-01", "2026-10-31")),
    ],
)
def test_periods_are_whole_months(choice, today, expected) -> None:
    start, end = shell.period_dates(choice, today, dt.date(2024, 6, 17))
    assert (start.isoformat(), end.isoformat()) == expected


def test_custom_ranges_snap_to_whole_months() -> None:
    today = dt.date(2026, 11, 15)
    snap = shell.snap_to_months
    assert snap(dt.date(2026, 3, 2), dt.date(2026, 3, 3), today) == (
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 31),
    )
    # Into the current, part month: cut at the last complete month; reversed ends swapped.
    assert snap(dt.date(2026, 11, 10), dt.date(2026, 9, 5), today) == (
        dt.date(2026, 9, 1),
        dt.date(2026, 10, 31),
    )
    assert snap(dt.date(2026, 11, 2), dt.date(2026, 11, 10), today) == (
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 31),
    )


def test_quarters() -> None:
    qs = shell.quarters(dt.date(2025, 5, 20), dt.date(2026, 1, 5))
    assert [shell.quarter_label(q) for q in qs] == [
        "Q3 2025-26 (Oct to Dec 2025)",
        "Q2 2025-26 (Jul to Sep 2025)",
        "Q1 2025-26 (Apr to Jun 2025)",
    ]
    assert qs[0] == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))


def test_an_import_is_in_the_audit_trail_without_its_contents(tmp_path) -> None:
    """The CLI import records who ran it, the batch, its status and rows accepted; a refused
    batch is recorded as refused, never with the refusal's text (it may quote a cell)."""
    import json as _json

    from tests.conftest import FIXTURES
    from wellpath import __main__ as cli
    from wellpath import audit as _audit

    target = tmp_path / "own.duckdb"
    assert cli.main(["init", "--db", str(target)]) == 0
    assert (
        cli.main(["import", str(FIXTURES / "service"), "--db", str(target), "--run-by", "jo"]) == 0
    )
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "practices.csv").write_text("practice_name\nNo code\n", encoding="utf-8")
    assert cli.main(["import", str(bad), "--db", str(target), "--run-by", "jo"]) == 1
    with _audit.connect(target) as con:
        rows = con.execute(
            "select username, detail from audit_events where event = 'import' order by id"
        ).fetchall()
    assert [r[0] for r in rows] == ["cli:jo", "cli:jo"]
    first, second = (_json.loads(r[1]) for r in rows)
    assert first["status"] in ("loaded", "updated") and first["rows"] > 0 and first["batch_id"]
    assert second == {"status": "refused"}
