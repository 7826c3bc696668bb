-- Scores at baseline and each time point up to a horizon, for a fixed cohort: referrals with
-- a baseline and a score at the horizon ($horizon_months), the horizon score dated in the
-- period. Each time point takes the score nearest it within its window ($time_points_months
-- and $windows_days, zipped), among forms on or before the report date (macro
-- baseline_followup_pairs, queries/derive_macros_pairs.sql, as for paired_scores); people
-- not measured near a middle time point are left out of that point only. One row per
-- person-measure-time point; no pseudonyms.
-- level: person
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

select measure, time_point_months, score
from points
order by measure, time_point_months, score
