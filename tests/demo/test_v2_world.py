"""The demo world's version-2 data tells the story it is meant to tell, deterministically."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from wellpath import contract
from wellpath.demo import v2
from wellpath.demo.world import SERVICE_START, generate

TODAY = dt.date(2026, 1, 15)
SEED = 20240401


@pytest.fixture(scope="module")
def world():
    return generate("demo", seed=SEED, today=TODAY).tables


def test_same_seed_same_v2_tables(world):
    again = generate("demo", seed=SEED, today=TODAY).tables
    for name in ("practice_engagement", "stories", "goals"):
        pd.testing.assert_frame_equal(world[name], again[name])
    other = generate("demo", seed=SEED + 1, today=TODAY).tables
    assert not world["practice_engagement"].equals(other["practice_engagement"])


def test_engagement_rows_keep_the_contract(world):
    e = world["practice_engagement"]
    w = world["link_workers"].set_index("worker_id")
    pilots = set(world["practices"].query("role == 'pilot'").practice_code)
    assert set(e.practice_code.astype(str)) == pilots
    assert set(e.kind.astype(str)) == set(contract.ENGAGEMENT_KINDS)
    assert e.minutes.between(0, contract.MAX_ENGAGEMENT_MINUTES).all()
    d = pd.to_datetime(e.engagement_date)
    assert d.min() >= pd.Timestamp(SERVICE_START) and d.max() <= pd.Timestamp(TODAY)
    assert (d.dt.weekday < 5).all()
    start = pd.to_datetime(w.loc[e.worker_id.astype(str), "start_date"]).to_numpy()
    assert (d.to_numpy() >= start).all()  # the worker was in post


def test_engagement_rises_then_one_practice_lapses(world):
    e = world["practice_engagement"].assign(
        month=lambda f: pd.to_datetime(f.engagement_date).dt.to_period("M"),
        hours=lambda f: f.minutes / 60,
    )
    per = e.groupby(["practice_code", "month"], observed=True).hours.sum().unstack(0).fillna(0)
    first3, mid = per.iloc[:3].mean(), per.iloc[6:12].mean()
    assert (mid > first3).sum() >= 3  # most practices engage more once settled in
    last = pd.to_datetime(e.groupby("practice_code", observed=True).engagement_date.max())
    lapsed = last[last < pd.Timestamp(TODAY) - pd.Timedelta(weeks=8)]
    assert list(lapsed.index.astype(str)) == [v2.LAPSED_DEMO_PRACTICE]
    assert (pd.Timestamp(TODAY) - lapsed.iloc[0]).days >= v2.LAPSE_DEMO_DAYS


def test_referrals_follow_last_months_engagement(world):
    """A Poisson model with practice and month effects on the demo recovers a rate ratio
    per hour of the month before whose 95% CI excludes 1 and includes the true 1.04."""
    e = world["practice_engagement"]
    r = world["referrals"]
    hours = (
        e.assign(m=pd.to_datetime(e.engagement_date).dt.to_period("M"))
        .groupby(["practice_code", "m"], observed=True)
        .minutes.sum()
        / 60
    )
    refs = (
        r.assign(m=pd.to_datetime(r.referral_date).dt.to_period("M"))
        .groupby(["practice_code", "m"], observed=True)
        .size()
    )
    months = pd.period_range(SERVICE_START, TODAY, freq="M")[1:-1]  # complete, with a before
    rows = [
        {"p": p, "m": str(m), "n": refs.get((p, m), 0), "h": hours.get((p, m - 1), 0.0)}
        for p in refs.index.get_level_values(0).unique()
        for m in months
    ]
    f = pd.DataFrame(rows)
    x = pd.get_dummies(f[["p", "m"]], drop_first=True, dtype=float).assign(h=f.h)
    fit = sm.GLM(f.n, sm.add_constant(x), family=sm.families.Poisson()).fit()
    low, high = np.exp(fit.conf_int().loc["h"])
    assert 1.0 < low < v2.REFERRAL_RR_PER_HOUR < high


def test_barriers_only_on_unmet_goals_and_shaped_by_domain(world):
    g = world["goals"]
    has = g.barrier.notna()
    assert set(g.status[has].astype(str)) <= set(contract.UNMET_STATUSES)
    unmet = g.status.astype(str).isin(contract.UNMET_STATUSES)
    assert 0.8 < has[unmet].mean() < 0.95
    top = g[has].groupby("domain", observed=True).barrier.agg(lambda s: s.value_counts().index[0])
    assert top["specialist_services"] == "waiting_list"
    assert top["community_groups"] == "no_local_activity"


def test_a_few_consented_stories_that_identify_no_one(world):
    s = world["stories"]
    r = world["referrals"].set_index("referral_id")
    assert len(s) == v2.DEMO_STORIES
    assert set(s.consent.astype(str)) == set(contract.CONSENTS)
    assert s.title.str.len().max() <= contract.MAX_STORY_TITLE
    assert s.text.str.len().max() <= contract.MAX_STORY_TEXT
    assert (r.loc[s.referral_id, "discharge_reason"].astype(str) == "goals_met").all()
    assert (
        pd.to_datetime(s.story_date)
        >= pd.to_datetime(r.loc[s.referral_id, "discharge_date"]).values
    ).all()
    assert not s.text.str.contains(r"\d").any()  # no numbers at all, so none of the refused ones


def test_icb_scale_generates_the_new_tables_cheaply():
    t = generate("icb", seed=1, today=dt.date(2026, 6, 1)).tables
    e = t["practice_engagement"]
    assert e.practice_code.nunique() == (t["practices"].role == "pilot").sum()
    assert len(e) < 0.5 * len(t["contacts"])
    assert 0 < len(t["stories"]) < 100
