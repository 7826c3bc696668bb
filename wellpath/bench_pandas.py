"""The pandas way: the page computations an analyst without Wellpath would write over the CSVs.

Each function takes the batch's tables as read by `read_tables` (plain pandas over the exported
CSV files, dates parsed, nothing pre-aggregated) and the period, and returns the same figures
as one Wellpath query (`SQL_QUERY` names it), so `python -m wellpath bench` can time both and
check that they agree (`compare`). The rules are the data contract's (docs/methods.md): they
are written again here on purpose, the way a second analyst would, so an agreement is a check
of the queries as well as a timing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

DATE_COLUMNS = {
    "referrals": ["referral_date", "triage_date", "first_contact_date", "action_plan_date",
                  "discharge_date"],
    "contacts": ["contact_date"],
    "assessments": ["assessment_date"],
    "patients": [],
    "practices": [],
    "healthcare_use": [],
    "prescriptions": [],
}  # fmt: skip

STR_COLUMNS = ["referral_id", "patient_id", "practice_code", "assessment_id", "contact_id"]


@dataclass(frozen=True)
class Period:
    start_date: dt.date
    end_date: dt.date

    @property
    def report_date(self) -> dt.date:
        return self.end_date


def read_tables(folder: Path, names: list[str]) -> dict[str, pd.DataFrame]:
    """The named tables of a batch folder, as pandas reads them (dates parsed, ids as text)."""
    out: dict[str, pd.DataFrame] = {}
    for name in names:
        path = Path(folder) / f"{name}.csv"
        header = pd.read_csv(path, nrows=0).columns
        dtypes = {c: "string" for c in STR_COLUMNS if c in header}
        if name in ("healthcare_use", "prescriptions"):
            dtypes["month"] = "string"
        frame = pd.read_csv(path, dtype=dtypes, parse_dates=DATE_COLUMNS.get(name, []))
        if "month" in frame.columns:  # YYYY-MM: the first of the month
            frame["month"] = pd.to_datetime(frame["month"].str[:7] + "-01")
        out[name] = frame
    return out


def _ts(d: dt.date) -> pd.Timestamp:
    return pd.Timestamp(d)


def month_spine(period: Period) -> pd.DataFrame:
    starts = pd.date_range(_ts(period.start_date).replace(day=1), _ts(period.end_date), freq="MS")
    ends = starts + pd.offsets.MonthEnd(0)
    return pd.DataFrame(
        {
            "month_start": starts,
            "on_date": ends.where(ends <= _ts(period.report_date), _ts(period.report_date)),
            "is_whole_month": (starts >= _ts(period.start_date)) & (ends <= _ts(period.end_date)),
        }
    )


def paired_pseq_change(t: dict[str, pd.DataFrame], period: Period) -> pd.DataFrame:
    """PSEQ baseline against its latest follow-up on or before the report date, per referral,
    for follow-ups dated in the period (paired_scores, measure PSEQ)."""
    a = t["assessments"]
    a = a[a["instrument"].str.upper() == "PSEQ"].copy()
    items = [f"item_{i:02d}" for i in range(1, 11)]
    complete = a[items].notna().all(axis=1)
    a["score"] = np.where(complete, a[items].sum(axis=1, min_count=1), a["total"])
    a = a[a["score"].notna()].sort_values(["referral_id", "assessment_date", "assessment_id"])
    a["number"] = a.groupby("referral_id").cumcount() + 1
    base = a[a["number"] == 1][["referral_id", "assessment_date", "score"]]
    base.columns = ["referral_id", "baseline_date", "baseline_score"]
    later = a[(a["number"] > 1) & (a["assessment_date"] <= _ts(period.report_date))]
    later = later.merge(base, on="referral_id")
    later = later[later["assessment_date"] > later["baseline_date"]]
    later = later.sort_values(["referral_id", "assessment_date", "number"])
    last = later.groupby("referral_id").tail(1)
    last = last[last["assessment_date"].between(_ts(period.start_date), _ts(period.end_date))]
    ref = t["referrals"][["referral_id", "practice_code"]]
    out = last.merge(ref, on="referral_id")
    out = out.rename(columns={"assessment_date": "follow_up_date", "score": "follow_up_score"})
    out["change_points"] = out["follow_up_score"] - out["baseline_score"]
    return out[
        ["practice_code", "baseline_date", "follow_up_date", "baseline_score", "follow_up_score",
         "change_points"]
    ]  # fmt: skip


def paired_pseq_counted(t: dict[str, pd.DataFrame], period: Period) -> pd.DataFrame:
    """The same PSEQ pairs counted by (baseline score, follow-up score), which is what the
    Outcomes and Overview pages read (outcome_score_pairs, measure PSEQ): every figure they
    show is a function of these counts."""
    pairs = paired_pseq_change(t, period)
    counted = pairs.groupby(["baseline_score", "follow_up_score"], as_index=False).size()
    return counted.rename(columns={"size": "pair_weight"})


def active_caseload_by_month(t: dict[str, pd.DataFrame], period: Period) -> pd.DataFrame:
    """People on the active caseload at the end of each month (active_caseload_by_month)."""
    r = t["referrals"]
    r = r[r["triage_outcome"] == "accepted"]
    months = month_spine(period)
    counts = []
    for on in months["on_date"]:
        active = (r["first_contact_date"] <= on) & (
            r["discharge_date"].isna() | (r["discharge_date"] >= on)
        )
        counts.append(r.loc[active, "patient_id"].nunique())
    return pd.DataFrame({"month_start": months["month_start"], "active_count": counts})


def contacts_per_person(t: dict[str, pd.DataFrame], period: Period) -> pd.DataFrame:
    """Attended contacts per episode discharged in the period, in bands (contacts_per_person)."""
    r = t["referrals"]
    done = r[
        (r["triage_outcome"] == "accepted")
        & r["discharge_date"].between(_ts(period.start_date), _ts(period.end_date))
    ]
    c = t["contacts"]
    attended = c[c["attendance"] == "attended"].groupby("referral_id").size()
    n = done["referral_id"].map(attended).fillna(0).astype(int)
    bands = [(1, 0, 1), (2, 1, 3), (3, 3, 6), (4, 6, 13), (5, 13, 19), (6, 19, 1_000_000)]
    return pd.DataFrame(
        {
            "band_order": [b for b, _, _ in bands],
            "person_count": [int(((n >= lo) & (n < hi)).sum()) for _, lo, hi in bands],
            "completed_count": len(n),
            "median_attended_contacts": float(n.median()) if len(n) else np.nan,
        }
    )


def referrals_by_practice_month(t: dict[str, pd.DataFrame], period: Period) -> pd.DataFrame:
    """Referrals per practice per month of the period, zero-filled (referrals_by_practice_month)."""
    r = t["referrals"]
    r = r[r["referral_date"].between(_ts(period.start_date), _ts(period.end_date))]
    counts = r.groupby([r["referral_date"].dt.to_period("M").dt.to_timestamp(), "practice_code"])
    counts = counts.size().rename("referral_count")
    p = t["practices"]
    shown = p.loc[p["role"] != "comparison", "practice_code"].sort_values()
    grid = pd.MultiIndex.from_product(
        [month_spine(period)["month_start"], shown], names=["month_start", "practice_code"]
    )
    counts.index.names = ["month_start", "practice_code"]
    out = counts.reindex(grid, fill_value=0).reset_index()
    return out


def wait_summary(t: dict[str, pd.DataFrame], period: Period) -> pd.DataFrame:
    """Waits from referral to first contact for referrals received in the period (wait_summary)."""
    r = t["referrals"]
    seen = r[
        r["referral_date"].between(_ts(period.start_date), _ts(period.end_date))
        & (r["first_contact_date"] <= _ts(period.report_date))
    ]
    days = (seen["first_contact_date"] - seen["referral_date"]).dt.days.to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "seen_count": [len(days)],
            "median_wait_days": [np.quantile(days, 0.5) if len(days) else np.nan],
            "p90_wait_days": [np.quantile(days, 0.9) if len(days) else np.nan],
            "within_28_days_count": [int((days <= 28).sum())],
        }
    )


USE_COLS = ["gp_appointments", "ae_attendances", "outpatient_attendances",
            "nonelective_admissions"]  # fmt: skip
RX_COLS = ["opioid_items", "gabapentinoid_items"]


def _window_sums(
    windows: pd.DataFrame, rows: pd.DataFrame, cols: list[str], key: list[str]
) -> pd.DataFrame:
    m = windows[key + ["before_first", "before_last", "after_first", "after_last"]].merge(
        rows, on="patient_id"
    )
    before = m["month"].between(m["before_first"], m["before_last"])
    after = m["month"].between(m["after_first"], m["after_last"])
    parts = []
    for name, mask in (("before", before), ("after", after)):
        s = m[mask].groupby(key)[cols].sum()
        s.columns = [f"{c}_{name}" for c in cols]
        parts.append(s)
    out = windows.set_index(key).join(parts[0]).join(parts[1])
    return out.reset_index()


def healthcare_use_before_after(t: dict[str, pd.DataFrame], period: Period) -> pd.DataFrame:
    """Healthcare use per person, 12 months before the index month against months 1-12 and
    13-24 after, referred people and the comparison cohort (healthcare_use_before_after)."""
    pat, ref = t["patients"], t["referrals"]
    referred_ids = pat.loc[pat["cohort"] == "referred", "patient_id"]
    r = ref[(ref["triage_outcome"] == "accepted") & ref["patient_id"].isin(referred_ids)]
    r = r.sort_values(["patient_id", "referral_date", "referral_id"]).drop_duplicates("patient_id")
    referred = pd.DataFrame(
        {
            "cohort": "referred",
            "patient_id": r["patient_id"].to_numpy(),
            "practice_code": r["practice_code"].to_numpy(),
            "index_month": r["referral_date"].dt.to_period("M").dt.to_timestamp().to_numpy(),
        }
    )
    months = np.sort(referred["index_month"].to_numpy())
    comp = pat[pat["cohort"] == "comparison"][["patient_id", "practice_code"]].copy()
    comp["md5"] = [hashlib.md5(p.encode()).hexdigest() for p in comp["patient_id"]]  # noqa: S324
    comp = comp.sort_values(["md5", "patient_id"])
    rank = np.arange(1, len(comp) + 1)
    position = np.floor((rank - 0.5) * len(months) / max(len(comp), 1)).astype(int)
    comp["index_month"] = months[position] if len(months) else pd.NaT
    comp["cohort"] = "comparison"
    people = pd.concat([referred, comp.drop(columns="md5")], ignore_index=True)
    windows = []
    for window, first, last in ((1, 1, 12), (2, 13, 24)):
        w = people.copy()
        w["after_window"] = window
        im = w["index_month"]
        w["before_first"] = im - pd.DateOffset(months=12)
        w["before_last"] = im - pd.DateOffset(months=1)
        w["after_first"] = im + pd.DateOffset(months=first)
        w["after_last"] = im + pd.DateOffset(months=last)
        windows.append(w)
    w = pd.concat(windows, ignore_index=True)
    use, rx = t["healthcare_use"], t["prescriptions"]
    end_of_after = w["after_last"] + pd.offsets.MonthEnd(0)
    w = w[
        (w["before_first"] >= use["month"].min())
        & (w["after_last"] <= use["month"].max())
        & end_of_after.between(_ts(period.start_date), _ts(period.end_date))
    ]
    key = ["cohort", "patient_id", "after_window"]
    out = _window_sums(w, use, USE_COLS, key)
    for c in USE_COLS:
        for side in ("before", "after"):
            out[f"{c}_{side}"] = out[f"{c}_{side}"].fillna(0)
    covered = (out["before_first"] >= rx["month"].min()) & (out["after_last"] <= rx["month"].max())
    rx_sums = _window_sums(out[covered], rx, RX_COLS, key).set_index(key)
    rx_cols = [f"{c}_{s}" for c in RX_COLS for s in ("before", "after")]
    out = out.set_index(key).join(rx_sums[rx_cols].fillna(0)).reset_index()
    return out[
        ["cohort", "practice_code", "index_month", "after_window"]
        + [f"{c}_{s}" for c in USE_COLS for s in ("before", "after")]
        + rx_cols
    ]


@dataclass(frozen=True)
class Computation:
    """One page computation: the pandas function, the tables it reads, the query it matches."""

    label: str
    func: Callable[[dict[str, pd.DataFrame], Period], pd.DataFrame]
    tables: tuple[str, ...]
    sql_query: str
    sql_extra: tuple[tuple[str, object], ...] = ()


COMPUTATIONS = (
    Computation(
        "paired PSEQ change", paired_pseq_change, ("assessments", "referrals"), "paired_scores",
        (("time_point_months", None), ("window_days", None)),
    ),
    Computation(
        "paired PSEQ change, counted (as the pages read it)", paired_pseq_counted,
        ("assessments", "referrals"), "outcome_score_pairs",
        (("time_point_months", None), ("window_days", None)),
    ),
    Computation(
        "active caseload by month", active_caseload_by_month, ("referrals",),
        "active_caseload_by_month",
    ),
    Computation(
        "healthcare use before/after", healthcare_use_before_after,
        ("patients", "referrals", "healthcare_use", "prescriptions"),
        "healthcare_use_before_after",
    ),
    Computation(
        "contacts per person", contacts_per_person, ("referrals", "contacts"),
        "contacts_per_person",
    ),
    Computation(
        "referrals by practice and month", referrals_by_practice_month,
        ("referrals", "practices"), "referrals_by_practice_month",
    ),
    Computation("waits", wait_summary, ("referrals",), "wait_summary"),
)  # fmt: skip


def _sql_shape(label: str, sql: pd.DataFrame) -> pd.DataFrame:
    """The SQL result cut to the columns the pandas way computes, in the same form."""
    if label == "paired PSEQ change":
        sql = sql[sql["measure"] == "PSEQ"]
        cols = ["practice_code", "baseline_date", "follow_up_date", "baseline_score",
                "follow_up_score", "change_points"]  # fmt: skip
        return sql[cols]
    if label.startswith("paired PSEQ change, counted"):
        return sql.loc[
            sql["measure"] == "PSEQ", ["baseline_score", "follow_up_score", "pair_weight"]
        ]
    if label == "active caseload by month":
        return sql[["month_start", "active_count"]]
    if label == "contacts per person":
        return sql[["band_order", "person_count", "completed_count", "median_attended_contacts"]]
    if label == "referrals by practice and month":
        return sql[["month_start", "practice_code", "referral_count"]]
    if label == "waits":
        return sql[["seen_count", "median_wait_days", "p90_wait_days", "within_28_days_count"]]
    if label == "healthcare use before/after":
        return sql.drop(columns=["condition"])
    raise KeyError(label)


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Same rows in the same order whatever the producer: dates as dates, numbers as floats,
    rows sorted by every column."""
    out = frame.copy().reset_index(drop=True)
    for c in out.columns:
        if (
            pd.api.types.is_datetime64_any_dtype(out[c])
            or out[c].map(lambda v: isinstance(v, dt.date)).any()
        ):
            out[c] = pd.to_datetime(out[c]).dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_numeric_dtype(out[c]):
            out[c] = out[c].astype(float)
        else:
            out[c] = out[c].astype("string")
    return out.sort_values(list(out.columns), na_position="last").reset_index(drop=True)


def compare(label: str, pandas_frame: pd.DataFrame, sql_frame: pd.DataFrame) -> str:
    """'' when the two agree (same rows, numbers equal to 1e-9 relative), else what differs."""
    left = _canonical(pandas_frame)
    right = _canonical(_sql_shape(label, sql_frame))[list(left.columns)]
    if len(left) != len(right):
        return f"{len(left):,} rows the pandas way, {len(right):,} from SQL"
    for c in left.columns:
        a, b = left[c], right[c]
        if pd.api.types.is_float_dtype(a):
            same = np.isclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-9, equal_nan=True)
        else:
            same = (a.fillna("<NA>") == b.fillna("<NA>")).to_numpy()
        if not same.all():
            i = int(np.flatnonzero(~same)[0])
            return f"column {c}, row {i}: {a.iloc[i]!r} the pandas way, {b.iloc[i]!r} from SQL"
    return ""
