"""The Outcomes page's aggregates give exactly the answers of the person-level pairs.

The page reads outcome_score_pairs (one row per measure and distinct score pair, with its
count) and outcome_change_by_group (n, mean and SD of change per group) instead of
paired_scores' one row per pair. Here, on the hand-built outcomes fixture and on the demo
world, for several periods, time points and filters, every statistic the page shows from
them (wellpath.outcomes.*_counted / *_from_groups) is checked against the tested
person-level functions over paired_scores (to 1e-9), and the pairing itself (one arg_max
aggregate over outcome_pair_candidates) against the previous row_number window over
measure_scores, row for row.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.conftest import FIXTURES, build_fixture_db
from wellpath import db, outcomes, stats

TOLERANCE = 1e-9

# The pairing as it was (a row_number window over the self-join of measure_scores), kept
# here as the reference the aggregate must reproduce row for row.
WINDOW_PAIRING = """
with targets as (
    select unnest($points) as time_point_months,
           cast(unnest($points) as double) * 30.4375 as target_days,
           cast(unnest($windows) as double) as window_days
),
baselines as (
    select referral_id, measure, assessment_date as baseline_date, score as baseline_score
    from measure_scores where assessment_number = 1 and score is not null
),
candidates as (
    select b.referral_id, b.measure, t.time_point_months, t.target_days, b.baseline_date,
           b.baseline_score, m.assessment_date as follow_up_date,
           m.assessment_number as follow_up_number, m.score as follow_up_score,
           date_diff('day', b.baseline_date, m.assessment_date) as days_since_baseline
    from baselines as b
    inner join measure_scores as m
        on m.referral_id = b.referral_id and m.measure = b.measure
       and m.assessment_number > 1 and m.assessment_date > b.baseline_date
       and m.assessment_date <= $report_date and m.score is not null
    cross join targets as t
    where t.target_days is null
       or abs(date_diff('day', b.baseline_date, m.assessment_date) - t.target_days)
          <= t.window_days
),
ranked as (
    select *, row_number() over (
        partition by referral_id, measure, time_point_months
        order by case when target_days is null then 0
                      else abs(days_since_baseline - target_days) end,
                 follow_up_date desc, follow_up_number desc) as choice_rank
    from candidates
)
select referral_id, measure, time_point_months, baseline_date, baseline_score,
       follow_up_date, follow_up_score, days_since_baseline
from ranked where choice_rank = 1
"""
# Every referral of the file (the macro takes a viewer's scope first).
EVERY_REFERRAL = "(select list(distinct practice_code) from referral_facts), null, null"
NEW_PAIRING = (
    "select referral_id, measure, time_point_months, baseline_date, baseline_score,"
    " follow_up_date, follow_up_score, days_since_baseline"
    f" from baseline_followup_pairs({EVERY_REFERRAL}, $report_date, $points, $windows)"
)


def bare_pairs_connection(referral_ids: list[str]) -> duckdb.DuckDBPyConnection:
    """An in-memory database with the pairing macros over its own measure_scores: the
    referrals (one practice, P1) and macro scoped_referrals over them, as the derived tables
    give the macros in a real file."""
    con = duckdb.connect()
    con.execute(
        "create table referral_facts as select unnest($ids) as referral_id, 'P1' as practice_code,"
        " 'pain' as condition, 'w1' as worker_id",
        {"ids": referral_ids},
    )
    con.execute(
        "create table referrals as select referral_id, practice_code, condition, worker_id,"
        " 'X1' as patient_id, date '2024-01-01' as referral_date, null::date as discharge_date"
        " from referral_facts"
    )
    con.execute(
        "create table patients as select 'X1' as patient_id, 'female' as sex,"
        " 3 as imd_decile, 1970 as birth_year"
    )
    con.execute(
        "create macro scoped_referrals(practice_codes, conditions, worker_ids) as table"
        " select * from referral_facts where practice_code in (select unnest(practice_codes))"
    )
    for name in ("derive_macros_pairs.sql", "derive_table_macros_pairs.sql"):
        con.execute((db.QUERIES_DIR / name).read_text(encoding="utf-8"))
    return con


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory) -> Path:
    return build_fixture_db(
        FIXTURES / "outcomes", tmp_path_factory.mktemp("pairs") / "outcomes.duckdb"
    )


@pytest.fixture(scope="module", params=["fixture", "demo"])
def world(request, fixture_db):
    """(connection, practice codes, periods) for the outcomes fixture and the demo world."""
    path = fixture_db if request.param == "fixture" else request.getfixturevalue("demo_db")
    con = db.connect_read_only(Path(path))
    codes = db.run_query(con, "practice_list")["practice_code"].astype(str).tolist()
    if request.param == "fixture":
        periods = [
            (dt.date(2025, 4, 1), dt.date(2026, 3, 31)),
            (dt.date(2025, 4, 1), dt.date(2025, 12, 31)),
            (dt.date(2025, 1, 1), dt.date(2026, 12, 31)),
        ]
    else:
        periods = [
            (dt.date(2025, 11, 1), dt.date(2026, 10, 31)),
            (dt.date(2024, 11, 1), dt.date(2026, 10, 31)),
            (dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        ]
    yield request.param, con, codes, periods
    con.close()


def _params(codes, period, time_point, conditions=None):
    start, end = period
    return {
        "practice_codes": codes,
        "conditions": conditions,
        "worker_ids": None,
        "start_date": start,
        "end_date": end,
        "report_date": end,
        "time_point_months": time_point,
        "window_days": None if time_point is None else outcomes.TIME_POINTS[time_point],
    }


def _same(a: object, b: object) -> bool:
    missing_a = a is None or (not isinstance(a, str) and pd.isna(a))
    missing_b = b is None or (not isinstance(b, str) and pd.isna(b))
    if missing_a or missing_b:
        return missing_a and missing_b
    if isinstance(a, int | float | np.number) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return a == b


def assert_frames_agree(expected: pd.DataFrame, got: pd.DataFrame, what: str) -> None:
    assert list(got.columns) == list(expected.columns), what
    assert len(got) == len(expected), what
    for col in expected.columns:
        for i, (a, b) in enumerate(zip(expected[col], got[col], strict=True)):
            assert _same(a, b), f"{what}: row {i}, {col}: {a!r} (pairs) != {b!r} (aggregate)"


CASES = [(None, None), (3, None), (6, None), (12, None), (None, ["chronic_pain_msk"])]


@pytest.mark.parametrize(("time_point", "conditions"), CASES)
def test_aggregates_match_the_person_level_pairs(world, time_point, conditions):
    name, con, codes, periods = world
    checked = 0
    for period in periods:
        params = _params(codes, period, time_point, conditions)
        pairs = db.run_query(con, "paired_scores", params)
        counted = db.run_query(con, "outcome_score_pairs", params)
        # every measure in every grouping (measure and grouping NULL), as the tests compare
        groups = db.run_query(
            con, "outcome_change_by_group", {**params, "measure": None, "grouping": None}
        )
        what = f"{name} {period} time point {time_point} {conditions}"
        # far fewer rows than pairs: one per distinct score pair
        assert counted["pair_weight"].sum() == len(pairs), what
        sizes = pairs.groupby("measure").size() if len(pairs) else pd.Series(dtype=int)
        assert outcomes.pair_counts(counted).to_dict() == sizes.to_dict(), what
        if not len(pairs):
            assert counted.empty and groups.empty, what
            continue
        for mcid, reliability in (({"PSEQ": 5.5}, None), ({"PSEQ": 11.0}, {"PSFS": 0.8})):
            assert_frames_agree(
                outcomes.paired_summary(pairs, mcid=mcid, reliability=reliability),
                outcomes.paired_summary_counted(counted, mcid=mcid, reliability=reliability),
                f"{what} summary {mcid} {reliability}",
            )
        if "PSEQ" in set(pairs["measure"]):
            assert_frames_agree(
                outcomes.band_transitions(pairs),
                outcomes.band_transitions_counted(counted),
                f"{what} bands",
            )
            assert_frames_agree(
                outcomes.share_at_or_above(pairs),
                outcomes.share_at_or_above_counted(counted),
                f"{what} share",
            )
        for i, measure in enumerate(outcomes.measures_present(pairs["measure"].unique())):
            for by in outcomes.BREAKDOWNS:
                assert_frames_agree(
                    outcomes.breakdown(pairs, measure, by),
                    outcomes.breakdown_from_groups(groups, measure, by),
                    f"{what} {measure} by {by}",
                )
            # As the page asks: one measure, one grouping (a grouping per measure in turn, so
            # that every grouping is asked for): the same rows as in the whole answer.
            by = list(outcomes.BREAKDOWNS)[i % len(outcomes.BREAKDOWNS)]
            for grouping in (by, "baseline_month"):
                chosen = db.run_query(
                    con,
                    "outcome_change_by_group",
                    {**params, "measure": measure, "grouping": grouping},
                )
                assert set(chosen["measure"]) <= {measure}, what
                assert set(chosen["grouping"]) <= {grouping}, what
                expected = groups[(groups["measure"] == measure) & (groups["grouping"] == grouping)]
                pd.testing.assert_frame_equal(  # (a column with no NULL left comes as int32)
                    chosen.reset_index(drop=True),
                    expected.reset_index(drop=True),
                    check_dtype=False,
                )
            if time_point == outcomes.TREND_TIME_POINT:
                for min_pairs in (1, outcomes.MIN_PAIRS_PER_MONTH):
                    assert_frames_agree(
                        outcomes.monthly_change_at_time_point(
                            pairs,
                            measure,
                            start_date=period[0],
                            report_date=period[1],
                            min_pairs=min_pairs,
                        ),
                        outcomes.monthly_change_from_groups(
                            groups,
                            measure,
                            start_date=period[0],
                            report_date=period[1],
                            min_pairs=min_pairs,
                        ),
                        f"{what} {measure} monthly",
                    )
        checked += 1
    assert checked, f"{name}: no period with pairs"


def test_the_demo_aggregate_ships_far_fewer_rows(demo_db):
    # The point of it: the demo's year of PSEQ pairs arrive as one row per score pair.
    con = db.connect_read_only(Path(demo_db))
    codes = db.run_query(con, "practice_list")["practice_code"].astype(str).tolist()
    params = _params(codes, (dt.date(2025, 11, 1), dt.date(2026, 10, 31)), None)
    pairs = db.run_query(con, "paired_scores", params)
    counted = db.run_query(con, "outcome_score_pairs", params)
    con.close()
    assert len(pairs) > 100
    assert len(counted) < len(pairs)
    assert not counted.duplicated(["measure", "baseline_score", "follow_up_score"]).any()


@pytest.mark.parametrize(
    ("points", "windows"),
    [([None], [None]), ([3], [42]), ([6], [61]), ([0, 3, 6, 12, 18], [0, 42, 61, 61, 61])],
)
def test_aggregate_pairing_matches_the_window_pairing(world, points, windows):
    # The follow-up chosen by arg_max over (closeness, date, form number) is the one the
    # row_number window chose (ties: nearest, then later date, then later-numbered form).
    name, con, _, periods = world
    cur = con.cursor()
    db.use_attached(cur, con)
    for _, report_date in periods:
        p = {"report_date": report_date, "points": points, "windows": windows}
        old = cur.execute(f"{WINDOW_PAIRING} order by all", p).fetchall()
        new = cur.execute(f"{NEW_PAIRING} order by all", p).fetchall()
        assert new == old, f"{name} {report_date} {points}"
        assert old or name == "fixture"
    cur.close()


def test_aggregate_pairing_matches_on_ties_and_out_of_order_rows():
    # Random forms with many same-day follow-ups, stored in random order: the aggregate and
    # the window choose the same follow-up for every referral, measure and time point.
    rng = np.random.default_rng(12)
    con = bare_pairs_connection([f"r{r}" for r in range(300)])
    rows = []
    for r in range(300):
        start = dt.date(2025, 1, 1) + dt.timedelta(days=int(rng.integers(0, 200)))
        days = sorted(int(d) for d in rng.integers(0, 400, int(rng.integers(1, 7))))
        days[0] = 0
        for number, d in enumerate(days, start=1):
            score = None if rng.random() < 0.05 else float(rng.integers(0, 61))
            rows.append((f"r{r}", "PSEQ", start + dt.timedelta(days=d), score, number))
    order = rng.permutation(len(rows))
    con.executemany("insert into measure_scores values (?, ?, ?, ?, ?)", [rows[i] for i in order])
    con.execute((db.QUERIES_DIR / "derive_outcome_pairs.sql").read_text(encoding="utf-8"))
    checked = 0
    # Standard time points are chosen by a filter on prepared candidates, others by the
    # aggregate: both, and a mix, against the window, on report dates a fortnight apart.
    report_dates = [dt.date(2025, 3, 1) + dt.timedelta(days=14 * k) for k in range(40)]
    cases = (([None], [None]), ([3, 6, 12, 18], [42, 61, 61, 61]), ([6, 9], [30, 45]))
    for report_date in report_dates:
        for points, windows in cases:
            p = {"report_date": report_date, "points": points, "windows": windows}
            old = con.execute(f"{WINDOW_PAIRING} order by all", p).fetchall()
            new = con.execute(f"{NEW_PAIRING} order by all", p).fetchall()
            assert new == old, (report_date, points)
            checked += len(old)
    assert checked > 10_000, checked
    con.close()


def test_the_prepared_time_points_are_the_outcomes_pages():
    con = bare_pairs_connection(["r1"])
    stored = dict(con.execute("select * from standard_time_points()").fetchall())
    con.close()
    assert stored == dict(outcomes.TIME_POINTS)


@pytest.mark.parametrize("horizon", [3, 6, 12, 18])
def test_trajectory_means_match_the_person_level_scores(world, horizon):
    name, con, codes, periods = world
    for period in periods:
        params = _params(codes, period, None) | {
            "horizon_months": horizon,
            "time_points_months": list(outcomes.TRAJECTORY_POINTS),
            "windows_days": [0, *outcomes.TIME_POINTS.values()],
        }
        rows = db.run_query(con, "score_trajectories", params)
        means = db.run_query(con, "outcome_trajectory_means", params | {"measures": None})
        for measure in sorted(set(rows["measure"])):
            assert_frames_agree(
                outcomes.trajectory_summary(rows[rows["measure"] == measure]),
                outcomes.trajectory_summary_from_means(means[means["measure"] == measure]),
                f"{name} {period} {measure} horizon {horizon}",
            )
            # one measure asked for (as a page asks): that measure's rows of all of them
            one = db.run_query(con, "outcome_trajectory_means", params | {"measures": [measure]})
            pd.testing.assert_frame_equal(
                one, means[means["measure"] == measure].reset_index(drop=True)
            )
        assert set(means["measure"]) == set(rows["measure"])


def test_many_group_intervals_at_once_match_one_at_a_time():
    n = [0, 1, 2, 2, 8, 30, 400]
    mean = [float("nan"), 3.0, 1.5, 2.0, -0.25, 4.1, 7.0]
    sd = [float("nan"), float("nan"), 0.0, 1.0, 2.5, 3.3, 9.75]
    low, high = stats.mean_ci_from_summaries(n, mean, sd)
    for i in range(len(n)):
        one = stats.mean_ci_from_summary(n[i], mean[i], sd[i])
        assert _same(one.ci_low, low[i]) and _same(one.ci_high, high[i]), i


def test_candidates_carry_their_referrals_practice_in_practice_order(world):
    # The macro narrows the candidates by their own practice_code before the referrals: it
    # must be the referral's, on every row, and one practice's pairs read alone must be that
    # practice's pairs of the whole file.
    name, con, codes, periods = world
    wrong = con.execute(
        "select count(*) from outcome_pair_candidates as c "
        "inner join referral_facts as f using (referral_id) "
        "where c.practice_code is distinct from f.practice_code "
        "or c.condition is distinct from f.condition "
        "or c.worker_id is distinct from f.worker_id "
        "or c.referral_date is distinct from f.referral_date "
        "or c.sex is distinct from f.sex "
        "or c.imd_decile is distinct from f.imd_decile "
        "or c.birth_year is distinct from f.birth_year"
    ).fetchone()[0]
    missing = con.execute(
        "select count(*) from outcome_pair_candidates where practice_code is null"
    ).fetchone()[0]
    assert wrong == 0 and missing == 0
    stored = [
        c for (c,) in con.execute("select practice_code from outcome_pair_candidates").fetchall()
    ]
    assert stored == sorted(stored), "candidates are stored in practice order"
    pairing = (
        "select p.*, f.practice_code from baseline_followup_pairs("
        "$codes, null, null, $report_date, [null, 6], [null, 61]) as p "
        "inner join referral_facts as f using (referral_id) order by all"
    )
    report_date = periods[0][1]
    every = con.execute(pairing, {"codes": codes, "report_date": report_date}).fetchall()
    assert every
    # ... and so do the pairs chosen from them (the breakdowns group by these, no join)
    carried = con.execute(
        "select count(*) from baseline_followup_pairs($codes, null, null, $report_date,"
        " [null, 6], [null, 61]) as p inner join referral_facts as f using (referral_id)"
        " where p.practice_code is distinct from f.practice_code"
        " or p.condition is distinct from f.condition"
        " or p.referral_date is distinct from f.referral_date"
        " or p.sex is distinct from f.sex or p.imd_decile is distinct from f.imd_decile"
        " or p.birth_year is distinct from f.birth_year",
        {"codes": codes, "report_date": report_date},
    ).fetchone()[0]
    assert carried == 0
    for code in codes[:4]:
        alone = con.execute(pairing, {"codes": [code], "report_date": report_date}).fetchall()
        assert alone == [row for row in every if row[-1] == code]


def test_scoped_candidates_are_the_candidates_of_the_scoped_referrals(world):
    # scoped_pair_candidates filters on the practice, condition and worker each candidate
    # carries; it must keep exactly the candidates of scoped_referrals' referrals (the join
    # it replaced), for every kind of scope.
    name, con, codes, periods = world
    conditions = [
        c
        for (c,) in con.execute(
            "select distinct condition from referral_facts where condition is not null order by 1"
        ).fetchall()
    ]
    workers = [
        w
        for (w,) in con.execute(
            "select distinct worker_id from referral_facts where worker_id is not null order by 1"
        ).fetchall()
    ]
    scopes = [
        (codes, None, None),
        (codes[:2], None, None),
        (codes, conditions[:1], None),
        (codes, None, workers[:2]),
        (codes[1:], conditions[1:3], workers[:3]),
    ]
    for practice_codes, cond, work in scopes:
        params = {"p": practice_codes, "c": cond, "w": work}
        filtered = con.execute(
            "select * from scoped_pair_candidates($p, $c, $w) order by all", params
        ).fetchall()
        joined = con.execute(
            "select * from outcome_pair_candidates where referral_id in "
            "(select referral_id from scoped_referrals($p, $c, $w)) order by all",
            params,
        ).fetchall()
        assert filtered == joined, (practice_codes[:3], cond, work)
    assert (
        con.execute(
            "select count(*) from scoped_pair_candidates($p, $c, $w)",
            {"p": codes, "c": conditions[:1], "w": None},
        ).fetchone()[0]
        > 0
    )
