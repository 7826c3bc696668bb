-- Scores at baseline and each time point up to a horizon, for a fixed cohort: referrals with
-- a baseline and a score at the horizon ($horizon_months), the horizon score dated in the
-- period. Each time point takes the score nearest it within its window ($time_points_months
-- and $windows_days, zipped); people not measured near a middle time point are left out of
-- that point only. One row per person-measure-time point; no pseudonyms.
-- level: person
with referrals_src as (
    select referral_id, practice_code, condition, worker_id
    from referrals
),

in_scope as (
    select referral_id
    from referrals_src as r
    where r.practice_code in (select unnest($practice_codes))
      and ($conditions is null or list_contains($conditions, r.condition))
      and ($worker_ids is null or list_contains($worker_ids, r.worker_id))
),

time_points as (
    select unnest($time_points_months) as time_point_months,
           unnest($windows_days) as window_days
),

-- Per measure (ONS4 item by item), built at import: queries/derive_measure_scores.sql.
measure_scores_src as (
    select referral_id, measure, assessment_date, score, assessment_number
    from measure_scores
),

baselines as (
    select referral_id, measure, assessment_date as baseline_date, score as baseline_score
    from measure_scores_src
    where assessment_number = 1 and score is not null
),

-- The score nearest each later time point within its window (ties: the later date).
nearest as (
    select
        b.referral_id,
        b.measure,
        t.time_point_months,
        m.assessment_date,
        m.score,
        row_number() over (
            partition by b.referral_id, b.measure, t.time_point_months
            order by abs(date_diff('day', b.baseline_date, m.assessment_date)
                         - t.time_point_months * 30.4375),
                     m.assessment_date desc
        ) as choice_rank
    from baselines as b
    inner join measure_scores_src as m
        on m.referral_id = b.referral_id
       and m.measure = b.measure
       and m.assessment_number > 1
       and m.assessment_date > b.baseline_date
       and m.score is not null
    inner join time_points as t
        on t.time_point_months > 0
       and t.time_point_months <= $horizon_months
       and abs(date_diff('day', b.baseline_date, m.assessment_date)
               - t.time_point_months * 30.4375) <= t.window_days
),

cohort as (
    select n.referral_id, n.measure
    from nearest as n
    inner join in_scope as s using (referral_id)
    where n.choice_rank = 1
      and n.time_point_months = $horizon_months
      and n.assessment_date between $start_date and $end_date
),

points as (
    select referral_id, measure, 0 as time_point_months, baseline_score as score
    from baselines
    union all
    select referral_id, measure, time_point_months, score
    from nearest
    where choice_rank = 1
)

select p.measure, p.time_point_months, p.score
from points as p
inner join cohort as c using (referral_id, measure)
order by p.measure, p.time_point_months, p.score
