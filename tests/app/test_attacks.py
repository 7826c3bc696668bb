"""Issue 14, "Publishable figures can be undone": the attacks, run against the publishable
scope, recovering nothing.

(a) Time slicing: one-day periods a day apart would show single referrals. A rounded scope
    is served whole months whatever the session holds (Filters.for_scope, applied by
    ui.current_filters, data.cached_view and access.read), so a forged 1-day range gives the
    whole month's figures, never a day's.
(b) Differencing: "practice P, all conditions" against "all conditions but C" would give C.
    The sidebar offers one or all in a publishable scope; and where a view is given such
    filters anyway, a group whose complement within its parent is 1-7 is suppressed
    (secondary suppression in views/referrals.py: practices under the service and each
    month, conditions and referrers under the selection).
(c) n x mean: a published mean (1 dp) times a rounded n is whole at several n, so it does
    not pin the true n; no SD of change or SRM is published.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from tests.app.conftest import as_role, make_app
from wellpath import disclosure, formats
from wellpath.scope import Filters
from wellpath.views import outcomes, referrals

COMMISSIONER = as_role("commissioner")
UNROUNDED = dataclasses.replace(COMMISSIONER, role="programme_lead", rounded=False)
SMALL_PRACTICE = "A86026"
MARCH = Filters(start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 3, 31))


@pytest.fixture
def on_demo(demo_db: Path, use_db) -> None:
    use_db(demo_db)


# --- (a) time slicing ------------------------------------------------------------------------
def test_a_day_range_is_served_as_its_whole_month():
    day = Filters(start_date=dt.date(2026, 3, 14), end_date=dt.date(2026, 3, 14))
    assert day.for_scope(COMMISSIONER) == MARCH
    assert day.for_scope(UNROUNDED) == day  # full access may look at a day
    across = Filters(dt.date(2026, 1, 31), dt.date(2026, 2, 1), practice_codes=("A86026",))
    widened = across.for_scope(COMMISSIONER)
    assert (widened.start_date, widened.end_date) == (dt.date(2026, 1, 1), dt.date(2026, 2, 28))
    assert widened.practice_codes == ("A86026",)


def _figures(at) -> dict[str, str]:  # noqa: ANN001
    return {m.label: str(m.value) for m in at.metric}


@pytest.mark.parametrize("day", [dt.date(2026, 3, 2), dt.date(2026, 3, 17)])
def test_forged_one_day_range_never_yields_a_days_figures(on_demo, day):
    chosen = {"practice_codes": (SMALL_PRACTICE,), "conditions": ("chronic_pain_msk",)}
    one_day = Filters(start_date=day, end_date=day, **chosen)
    month = Filters(start_date=MARCH.start_date, end_date=MARCH.end_date, **chosen)
    forged = make_app("pages/referrals.py", scope=COMMISSIONER, filters=one_day)
    whole = make_app("pages/referrals.py", scope=COMMISSIONER, filters=month)
    assert not forged.exception and not whole.exception
    assert _figures(forged) == _figures(whole)
    captions = " ".join(c.value for c in forged.caption)
    assert "1 Mar 2026 to 31 Mar 2026" in captions, captions
    assert formats.uk_date(day) + " to" not in captions


def test_views_serve_whole_months_to_a_rounded_scope_given_a_day(on_demo):
    day = Filters(start_date=dt.date(2026, 3, 17), end_date=dt.date(2026, 3, 17))
    a = referrals.headline(COMMISSIONER, day)
    b = referrals.headline(COMMISSIONER, MARCH)
    assert a.metrics == b.metrics


# --- (b) differencing ------------------------------------------------------------------------
def test_sidebar_offers_one_or_all_in_a_publishable_scope(on_demo):
    at = make_app(scope=COMMISSIONER)
    assert not at.exception
    keys = {w.key for w in at.sidebar.selectbox}
    assert {"filter_practices_one", "filter_conditions_one"} <= keys
    assert not [w.key for w in at.sidebar.multiselect], "a subset of groups could be chosen"


def _fake_query(published: pd.DataFrame, exact: pd.DataFrame):
    def query(name, scope, filters, **extra):  # noqa: ANN001, ANN003
        return (published if scope.rounded else exact).copy()

    return query


def test_a_group_whose_complement_is_small_is_suppressed(monkeypatch):
    # Practice P's conditions: A 50, B 4 (parent 54). A alone would give B as 54 - 50 = 4
    # from a published total: A's complement is 4, so A is suppressed as well as B.
    exact = pd.DataFrame({"category": ["A", "B"], "referral_count": [50, 4]})
    published = exact.assign(referral_count=pd.array([50, None], dtype="Int64"))
    monkeypatch.setattr(referrals.data, "query", _fake_query(published, exact))
    out = referrals.protect_within(COMMISSIONER, MARCH, "q", published, "category")
    assert out["referral_count"].isna().all()


def test_one_hidden_group_takes_the_next_smallest_with_it(monkeypatch):
    # A 40, B 3, C 12 (parent 55): B is suppressed, and C with it, else 55 - 40 - 12 = B.
    exact = pd.DataFrame({"category": ["A", "B", "C"], "referral_count": [40, 3, 12]})
    published = exact.assign(referral_count=pd.array([40, None, 10], dtype="Int64"))
    monkeypatch.setattr(referrals.data, "query", _fake_query(published, exact))
    out = referrals.protect_within(COMMISSIONER, MARCH, "q", published, "category")
    assert out["referral_count"].tolist()[0] == 40
    assert out["referral_count"].iloc[1:].isna().all()
    # Full access is shown as it is.
    same = referrals.protect_within(UNROUNDED, MARCH, "q", exact, "category")
    assert same["referral_count"].tolist() == [40, 3, 12]


def _exact(frame: pd.DataFrame, key: str) -> dict:
    return dict(zip(frame[key], frame["referral_count"], strict=True))


@pytest.mark.parametrize("left_out", ["ibs", "fibromyalgia"])
def test_forged_all_but_one_condition_gives_no_group_away(on_demo, left_out):
    # A view given "practice P, every condition but C" (which the sidebar never offers):
    # within what it shows, no published condition or referrer cell has a complement of
    # 1-7 referrals, so the shown cells cannot be subtracted from the shown total.
    from wellpath import data, labels

    conditions = tuple(c for c in labels.CONDITIONS if c != left_out)
    forged = Filters(MARCH.start_date, dt.date(2026, 10, 31), (SMALL_PRACTICE,), (), conditions)
    shown = referrals.mix(COMMISSIONER, forged).download
    exact = data.query("referrals_by_referrer_and_condition", UNROUNDED, forged)
    for dimension, group in exact.groupby("dimension"):
        total = int(group["referral_count"].sum())
        name = "Condition" if dimension == "condition" else "Referrer"
        published = shown[shown["Grouped by"] == name]
        names = labels.CONDITIONS if dimension == "condition" else labels.REFERRER_ROLES
        for code, n in _exact(group, "category").items():
            cell = published.loc[
                published["Group"] == labels.label(names, code), "Referrals (number)"
            ]
            if 0 < total - int(n) <= disclosure.SUPPRESS_AT_OR_BELOW:
                assert cell.iloc[0] == formats.SUPPRESSED, (dimension, code, n, total)


def test_practice_rows_under_the_service_total_are_protected(on_demo):
    from wellpath import data

    period = Filters(dt.date(2025, 11, 1), dt.date(2026, 10, 31), conditions=("ibs",))
    table = referrals.rates(COMMISSIONER, period).table.frame
    exact = data.query("referral_rates_by_practice", UNROUNDED, period)
    total = int(exact["referral_count"].sum())
    names = dict(zip(exact["practice_name"].astype(str), exact["referral_count"], strict=True))
    for name, shown in zip(table["Practice"], table["Referrals"], strict=True):
        n = int(names[name])
        if 0 < n <= 7 or 0 < total - n <= 7:
            assert shown == formats.SUPPRESSED, (name, n, total)


# --- (c) n x mean ----------------------------------------------------------------------------
def _whole_at(mean: float, n: int) -> bool:
    """Whether some whole-number total of changes gives this 1-dp mean over n people."""
    centre = round(mean * n)
    return any(formats.round_half_up(s / n, 1) == mean for s in range(centre - 2, centre + 3))


@pytest.mark.parametrize("filters_case", ["all practices", "small practice"])
def test_a_published_mean_does_not_pin_n(on_demo, filters_case):
    chosen = {"small practice": {"practice_codes": (SMALL_PRACTICE,)}}.get(filters_case, {})
    period = Filters(dt.date(2025, 11, 1), dt.date(2026, 10, 31), **chosen)
    download = outcomes.paired_change(COMMISSIONER, period).download
    n_col = next(c for c in download.columns if c.startswith("People paired"))
    checked = 0
    for _, row in download.iterrows():
        n_text, mean_text = str(row[n_col]), str(row["Mean change (points)"])
        if not re.fullmatch(r"\d+", n_text.replace(",", "")) or mean_text in ("", "nan"):
            continue
        assert re.fullmatch(r"-?\d+(\.\d)?", mean_text), f"mean not to 1 dp: {mean_text}"
        published_n, mean = int(n_text.replace(",", "")), float(mean_text)
        candidates = [n for n in range(published_n - 2, published_n + 3) if _whole_at(mean, n)]
        assert len(candidates) > 1, f"{row['Questionnaire']}: n x mean pins n at {candidates}"
        checked += 1
    assert checked, "no published mean to check"
    headers = " ".join(download.columns).lower()
    assert "sd of change" not in headers and "srm" not in headers
    bands = {"p < 0.001", "p < 0.01", "p < 0.05", "p \u2265 0.05", "", "nan", "\u2013"}
    for col in [c for c in download.columns if "p (band)" in c]:
        assert set(download[col].astype(str)) <= bands, download[col].tolist()
