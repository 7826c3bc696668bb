"""The demo world's CSV batch: determinism, contract shape, and the pilot's story in numbers.

The batch is written once per module (seed 7, as on 1 Nov 2026, the same as the demo_db
fixture) and read back with pandas, so these tests see exactly what the importer sees.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import numpy as np
import pandas as pd
import pytest

from tests.conftest import DEMO_SEED, DEMO_TODAY
from wellpath import contract, demo
from wellpath.demo.world import pseudonym_codes

TODAY = pd.Timestamp(DEMO_TODAY)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo_batch")
    _, flaws = demo.make_batch(folder, seed=DEMO_SEED, today=DEMO_TODAY)
    tables = {
        p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in folder.glob("*.csv")
    }
    tables = {k: v.replace("", None) for k, v in tables.items()}
    return folder, tables, flaws


def _codes(table: str, column: str) -> set[str]:
    return {c for col in contract.table(table).columns if col.name == column for c in col.codes}


def _digest(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*"))}


def _dates(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, format="%Y-%m-%d", errors="coerce")


def _clean(tables, flaws, table: str, key: str) -> pd.DataFrame:
    """A table without the planted rows (and rows rejected with them)."""
    planted = {f.key for f in flaws if f.table == table}
    planted |= {k for f in flaws for k in f.cascade.get(table, [])}
    frame = tables[table]
    return frame[~frame[key].isin(planted)]


def test_same_seed_and_date_give_identical_files(batch, tmp_path):
    folder, _, _ = batch
    again = demo.write_batch(tmp_path / "again", seed=DEMO_SEED, today=DEMO_TODAY)
    assert _digest(again) == _digest(folder)


def test_another_seed_or_date_gives_another_world(batch, tmp_path):
    folder, _, _ = batch
    other = demo.write_batch(tmp_path / "seed8", seed=DEMO_SEED + 1, today=DEMO_TODAY)
    assert _digest(other)["referrals.csv"] != _digest(folder)["referrals.csv"]
    later = demo.write_batch(tmp_path / "later", seed=DEMO_SEED, today=dt.date(2026, 12, 1))
    assert _digest(later)["referrals.csv"] != _digest(folder)["referrals.csv"]


def test_files_and_headers_are_the_contracts(batch):
    folder, tables, _ = batch
    assert sorted(p.stem for p in folder.glob("*.csv")) == sorted(contract.TABLE_NAMES)
    for table in contract.TABLES:
        header = (folder / f"{table.name}.csv").read_text().splitlines()[0].split(",")
        assert header == [c.name for c in table.columns], table.name


def test_pilot_and_comparison_practices_are_newcastles(batch):
    _, t, _ = batch
    p = t["practices"].set_index("practice_code")
    assert sorted(p.index[p.role == "pilot"]) == ["A86012", "A86017", "A86021", "A86026"]
    assert 2 <= (p.role == "comparison").sum() <= 3
    assert set(p.loc[["A86012", "A86017", "A86021"], "pcn_code"]) == {"U44695"}
    assert p.loc["A86026", "pcn_code"] == "U87170"
    # Newest list size published on or before 1 Nov 2026: March 2026 (PracPopFeb26.csv).
    assert p.loc["A86012", "list_size"] == "12382"
    assert p.loc["A86012", "practice_name"] == "West Road Medical Centre"


def test_referrals_come_from_pilot_practices_at_a_plausible_growing_rate(batch):
    _, t, flaws = batch
    p = t["practices"]
    r = _clean(t, flaws, "referrals", "referral_id")
    assert set(r.practice_code) <= set(p.practice_code[p.role == "pilot"])
    d = _dates(r.referral_date)
    assert d.min() >= pd.Timestamp("2024-04-01") and d.max() <= TODAY
    monthly = r.groupby([r.practice_code, d.dt.to_period("M")]).size()
    full = monthly[monthly.index.get_level_values(1) < TODAY.to_period("M")]
    assert 8 <= full.mean() <= 15
    per_month = full.groupby(level=1).mean()
    assert per_month.iloc[-6:].mean() > 1.3 * per_month.iloc[:6].mean()
    # Comparison patients are never referred.
    pats = t["patients"]
    assert not set(pats.patient_id[pats.cohort == "comparison"]) & set(r.patient_id)


def test_eligibility_and_triage(batch):
    _, t, flaws = batch
    r = _clean(t, flaws, "referrals", "referral_id")
    months = r.symptom_months.astype(int)
    eligible = months.between(3, 36) & (r.condition != "other")
    outcome = r.triage_outcome.fillna("awaiting")
    assert (outcome[~eligible & (outcome != "awaiting")] == "not_eligible").all()
    assert (outcome[eligible] != "not_eligible").all()
    shares = outcome.value_counts(normalize=True)
    assert 0.65 <= shares["accepted"] <= 0.8
    for code in ("declined", "no_contact", "redirected", "not_eligible", "awaiting"):
        assert 0 < shares[code] < 0.1, code
    # The awaiting ones are the most recent referrals.
    assert _dates(r.referral_date[outcome == "awaiting"]).min() > TODAY - pd.Timedelta(days=22)
    pats = t["patients"].set_index("patient_id")
    age = _dates(r.referral_date).dt.year - pats.loc[r.patient_id, "birth_year"].astype(int).values
    assert age.min() >= 18


def test_journeys_have_ordered_dates(batch):
    _, t, flaws = batch
    r = _clean(t, flaws, "referrals", "referral_id").set_index("referral_id")
    ref, tri, first, plan, dis = (
        _dates(r[c])
        for c in (
            "referral_date",
            "triage_date",
            "first_contact_date",
            "action_plan_date",
            "discharge_date",
        )
    )
    for later, earlier in ((tri, ref), (first, tri), (plan, first), (dis, plan), (dis, first)):
        both = later.notna() & earlier.notna()
        assert (later[both] >= earlier[both]).all()
    assert (pd.concat([tri, first, plan, dis]).dropna() <= TODAY).all()
    assert (r.discharge_reason.notna() == dis.notna()).all()
    assert r.worker_id.notna().eq(r.triage_outcome == "accepted").all()
    # Waits of two to four weeks.
    wait = (first - ref).dt.days.dropna()
    assert 14 <= wait.median() <= 28 and wait.quantile(0.9) <= 42

    c = _clean(t, flaws, "contacts", "contact_id")
    c = c[c.referral_id.isin(r.index)]
    cd = _dates(c.contact_date)
    end = dis.fillna(TODAY)
    assert (cd >= ref[c.referral_id].values).all()
    assert (cd <= end[c.referral_id].values).all()
    attended = c[c.attendance == "attended"].assign(d=cd)
    first_attended = attended.groupby("referral_id").d.min()
    assert (first_attended == first[first_attended.index]).all()
    assert first.dropna().index.isin(first_attended.index).all()
    # Engaged people (accepted, attended a contact) have 6-12 contacts once discharged as
    # having completed (goals met).
    done = r.index[(r.discharge_reason == "goals_met")]
    per = c[c.referral_id.isin(done)].groupby("referral_id").size()
    assert per.between(6, 12).all() and len(per) > 100
    assert {"dna", "cancelled"} <= set(c.attendance)
    assert set(c.minutes.astype(int)[c.attendance != "attended"]) == {0}

    # Completers stay about 18 months.
    stay = (dis - first).dt.days[r.discharge_reason == "goals_met"] / 30.4375
    assert 14 <= stay.mean() <= 20
    # People still on the caseload.
    assert ((r.triage_outcome == "accepted") & dis.isna() & first.notna()).sum() > 200


def test_goals_and_questionnaires_fit_the_journey(batch):
    _, t, flaws = batch
    r = _clean(t, flaws, "referrals", "referral_id").set_index("referral_id")
    g = _clean(t, flaws, "goals", "goal_id")
    g = g[g.referral_id.isin(r.index)]
    agreed, closed = _dates(g.agreed_date), _dates(g.closed_date)
    assert (agreed >= _dates(r.action_plan_date[g.referral_id]).values).all()
    assert (closed.dropna() >= agreed[closed.notna()]).all()
    assert (
        closed.dropna()
        <= _dates(r.discharge_date[g.referral_id]).fillna(TODAY).values[closed.notna()]
    ).all()
    assert (g.status == "open").eq(closed.isna()).all()
    open_ref = r.discharge_date[g.referral_id].isna().values
    assert (g.status[~open_ref] != "open").all()
    assert set(g.domain) == set(_codes("goals", "domain"))

    a = _clean(t, flaws, "assessments", "assessment_id")
    a = a[a.referral_id.isin(r.index)]
    c = t["contacts"]
    at_contact = set(
        zip(
            c.referral_id[c.attendance == "attended"],
            c.contact_date[c.attendance == "attended"],
            strict=True,
        )
    )
    assert all((x, y) in at_contact for x, y in zip(a.referral_id, a.assessment_date, strict=True))
    assert set(a.instrument) == {"PSEQ", "SWEMWBS", "ONS4", "PSFS", "WBSTAR"}
    # SWEMWBS: seven items of 1-5 and the raw total 7-35.
    sw = a[a.instrument == "SWEMWBS"]
    items = sw[[f"item_{i:02d}" for i in range(1, 8)]].dropna().astype(int)
    assert items.min().min() >= 1 and items.max().max() <= 5
    assert sw[[f"item_{i:02d}" for i in range(8, 15)]].isna().all().all()
    full = sw.dropna(subset=[f"item_{i:02d}" for i in range(1, 8)] + ["total"])
    assert (
        full.total.astype(int)
        == full[[f"item_{i:02d}" for i in range(1, 8)]].astype(int).sum(axis=1)
    ).all()
    # Incomplete forms (items missing, no total) exist, but are few.
    ps = a[a.instrument == "PSEQ"]
    pitems = ps[[f"item_{i:02d}" for i in range(1, 11)]]
    incomplete = pitems.notna().any(axis=1) & pitems.isna().any(axis=1)
    assert 0.01 < incomplete.mean() < 0.1
    assert ps.total[incomplete].isna().all()
    assert ps.assessment_date.le(f"{DEMO_TODAY}").all()


def _pseq_pairs(t, flaws) -> pd.DataFrame:
    r = _clean(t, flaws, "referrals", "referral_id")
    c = t["contacts"]
    engaged = set(c.referral_id[c.attendance == "attended"]) & set(
        r.referral_id[r.triage_outcome == "accepted"]
    )
    a = _clean(t, flaws, "assessments", "assessment_id")
    ps = a[(a.instrument == "PSEQ") & a.total.notna() & a.referral_id.isin(engaged)]
    ps = ps.assign(total=ps.total.astype(float)).sort_values(["referral_id", "assessment_date"])
    grouped = ps.groupby("referral_id").total
    return pd.DataFrame(
        {"baseline": grouped.first(), "latest": grouped.last(), "n": grouped.size()}
    )


def test_a_third_to_a_half_lack_a_follow_up(batch):
    _, t, flaws = batch
    pairs = _pseq_pairs(t, flaws)
    assert len(pairs) > 500
    assert 1 / 3 <= (pairs.n == 1).mean() <= 1 / 2


def test_pseq_and_swemwbs_improve_for_people_who_engage(batch):
    _, t, flaws = batch
    pairs = _pseq_pairs(t, flaws)
    assert 20 <= pairs.baseline.mean() <= 28
    followed = pairs[pairs.n > 1]
    change = followed.latest - followed.baseline
    # Mean change positive, with its 95% CI above zero (t ~ 1.96 at n > 500).
    assert change.mean() - 1.96 * change.std() / np.sqrt(len(change)) > 0
    assert (change < 0).any()  # some get worse
    # A year or more in: toward 35-45.
    r = t["referrals"].set_index("referral_id")
    long = followed.index[r.discharge_reason[followed.index] == "goals_met"]
    assert 33 <= followed.latest[long].mean() <= 45


def _annual_gp(t, who: pd.Series, months: tuple[str, str]) -> float:
    h = t["healthcare_use"]
    h = h[h.patient_id.isin(who) & h.month.between(*months)]
    return (
        h.gp_appointments.astype(int).sum()
        / h.patient_id.nunique()
        * 12
        / h.groupby("patient_id").size().mean()
    )


def test_gp_use_falls_after_referral_but_not_in_the_comparison_cohort(batch):
    _, t, flaws = batch
    r = _clean(t, flaws, "referrals", "referral_id")
    done = r[r.discharge_reason == "goals_met"]
    h = t["healthcare_use"].merge(done[["patient_id", "referral_date"]], on="patient_id")
    since = (
        pd.PeriodIndex(h.month, freq="M") - pd.PeriodIndex(_dates(h.referral_date), freq="M")
    ).map(lambda x: x.n)
    gp = h.gp_appointments.astype(int)
    before = gp[(since >= -12) & (since <= -1)].sum() / done.shape[0]
    after = gp[(since >= 7) & (since <= 18)].sum() / done.shape[0]
    assert 7 <= before <= 10
    assert after < 0.85 * before

    pats = t["patients"]
    comparison = pats.patient_id[pats.cohort == "comparison"]
    first_year = _annual_gp(t, comparison, ("2023-04", "2024-03"))
    last_year = _annual_gp(t, comparison, ("2025-10", "2026-09"))
    assert 7 <= first_year <= 10
    assert last_year > 0.95 * first_year


def test_monthly_data_run_from_24_months_before_referral_to_last_month(batch):
    _, t, flaws = batch
    r = _clean(t, flaws, "referrals", "referral_id")
    for table in ("healthcare_use", "prescriptions"):
        h = t[table]
        span = h.groupby("patient_id").month.agg(["min", "max", "size"])
        first = pd.PeriodIndex(_dates(r.set_index("patient_id").referral_date), freq="M") - 24
        expected = pd.Series(first.strftime("%Y-%m"), index=r.patient_id)
        assert (span.loc[r.patient_id, "min"].values == expected.values).all()
        assert (span["max"] == "2026-10").all()
        assert span["size"].sum() == len(h) and not h.duplicated(["patient_id", "month"]).any()
    rx = t["prescriptions"]
    for col in ("opioid_items", "gabapentinoid_items", "antidepressant_items"):
        assert rx[col].astype(int).gt(0).mean() > 0.1


def test_people_and_pseudonyms(batch):
    _, t, flaws = batch
    pats = _clean(t, flaws, "patients", "patient_id")
    assert pats.patient_id.str.fullmatch(r"P-[0-9A-F]{6}").all()
    assert pats.patient_id.is_unique
    shares = pats.sex.value_counts(normalize=True)
    assert 0.6 <= shares["female"] <= 0.75
    imd = pats.imd_decile.dropna().astype(int)
    # The west end is among the most deprived places in England: most people in deciles 1-3.
    assert imd.between(1, 10).all() and (imd <= 3).mean() > 0.6 and imd.nunique() == 10
    assert set(pats.ethnic_group) <= set(_codes("patients", "ethnic_group"))
    assert pats.ethnic_group.ne("white").mean() > 0.15


def test_pseudonym_codes_are_unique_at_national_size():
    codes = pseudonym_codes(np.random.default_rng(1), 3_000_000)
    assert len(np.unique(codes)) == 3_000_000 and codes.max() < 16**6


def _nhs_valid(text: str) -> bool:
    """Modulus 11, written out independently of wellpath.demo."""
    digits = re.sub(r"\s", "", text)
    if not re.fullmatch(r"\d{10}", digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return (0 if check == 11 else check) == int(digits[9])


def test_nhs_number_check_worked_by_hand():
    # 943 476 5919 (NHS Digital's published test number): 9*10+4*9+3*8+4*7+7*6+6*5+5*4+9*3+1*2
    # = 299; 299 mod 11 = 2; 11 - 2 = 9 = the last digit.
    assert _nhs_valid("943 476 5919")
    assert not _nhs_valid("943 476 5918")


def test_planted_flaws_are_a_handful_and_as_described(batch):
    _, t, flaws = batch
    assert 4 <= len(flaws) <= 8
    by_column = {(f.table, f.column): f for f in flaws}
    nhs = by_column[("patients", "patient_id")].key
    assert _nhs_valid(nhs) and nhs in set(t["patients"].patient_id)
    bad_date = by_column[("referrals", "referral_date")].key
    assert t["referrals"].set_index("referral_id").loc[bad_date, "referral_date"] == "31/02/2025"
    missing = by_column[("referrals", "discharge_reason")]
    row = t["referrals"].set_index("referral_id").loc[missing.key]
    assert row.discharge_date is not None and row.discharge_reason is None
    assert missing.cascade["contacts"]  # rejected with it
    early = by_column[("contacts", "contact_date")].key
    contact = t["contacts"].set_index("contact_id").loc[early]
    referral = t["referrals"].set_index("referral_id").loc[contact.referral_id]
    assert contact.contact_date < referral.referral_date
