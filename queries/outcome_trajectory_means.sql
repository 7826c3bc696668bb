-- score_trajectories, summarised: the mean score with its SD at baseline and each time point
-- up to the horizon, per measure, for the same fixed cohort (referrals with a baseline and a
-- score at the horizon, the horizon score dated in the period; each time point the score
-- nearest it within its window, among forms on or before the report date: macro
-- baseline_followup_pairs, queries/derive_macros_pairs.sql). One row per measure and time
-- point (the page adds the t interval: wellpath.outcomes.trajectory_summary_from_means,
-- tested to agree with trajectory_summary over score_trajectories' rows).
-- level: person
-- (person_n is exact on purpose, not a *_count the query layer rounds: the view suppresses
-- and rounds what it publishes from the exact counts, as it did from the person rows.)
with in_scope as (
    select referral_id
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

nearest as (
    select referral_id, measure, time_point_months, baseline_score, follow_up_date,
           follow_up_score
    from baseline_followup_pairs($report_date, $time_points_months, $windows_days)
    where time_point_months > 0 and time_point_months <= $horizon_months
),

cohort as (
    select n.referral_id, n.measure, n.baseline_score
    from nearest as n
    inner join in_scope as s using (referral_id)
    where n.time_point_months = $horizon_months
      and n.follow_up_date between $start_date and $end_date
),

points as (
    select referral_id, measure, 0 as time_point_months, baseline_score as score
    from cohort
    union all
    select n.referral_id, n.measure, n.time_point_months, n.follow_up_score as score
    from nearest as n
    inner join cohort as c using (referral_id, measure)
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
