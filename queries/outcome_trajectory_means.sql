-- score_trajectories, summarised: the mean score with its SD at baseline and each time point
-- up to the horizon, per measure, for the same fixed cohort (referrals with a baseline and a
-- score at the horizon, the horizon score dated in the period; each time point the score
-- nearest it within its window, among forms on or before the report date: macro
-- baseline_followup_pairs, queries/derive_table_macros_pairs.sql). One row per measure and time
-- point (the page adds the t interval: wellpath.outcomes.trajectory_summary_from_means,
-- tested to agree with trajectory_summary over score_trajectories' rows).
-- The cohort and its points: macro trajectory_points (queries/derive_table_macros_pairs.sql).
-- $measures: the measures wanted, NULL for all (a page asks for the one it draws).
-- level: person
-- (person_n is exact on purpose, not a *_count the query layer rounds: the view suppresses
-- and rounds what it publishes from the exact counts, as it did from the person rows.)
-- The points are the scope's own (trajectory_points reads baseline_followup_pairs, which
-- reads scoped_pair_candidates: the filter of scoped_referrals), so not joined again.
with points as (
    select p.referral_id, p.measure, p.time_point_months, p.score
    from trajectory_points(
        $practice_codes, $conditions, $worker_ids, $report_date, $time_points_months,
        $windows_days, $horizon_months, $start_date,
        $end_date, $measures
    ) as p
)

select
    measure,
    time_point_months,
    count(score) as person_n,
    avg(score) as mean_score,
    stddev_samp(score) as sd_score
from points
group by measure, time_point_months
order by measure, time_point_months
