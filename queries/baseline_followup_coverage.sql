-- Baselines dated in the period, per measure and follow-up status: whether a later scored
-- assessment exists (by the report date) and, if not, whether the person is still on the
-- caseload (a follow-up may yet come) or was discharged without one (lost to follow-up).
-- One row per measure and status: how many baselines, their mean and SD (the page adds the
-- t interval, wellpath.outcomes.coverage_summary).
-- level: aggregate
-- statistics: mean_baseline, sd_baseline per baseline_count
with referrals_src as (
    select referral_id, practice_code, condition, worker_id, discharge_date
    from referrals
),

scores_src as (
    select referral_id, instrument, assessment_date, score, ons4_satisfaction, assessment_number
    from assessment_scores
    where is_complete and assessment_number is not null
),

in_scope as (
    select referral_id, discharge_date
    from referrals_src as r
    where r.practice_code in (select unnest($practice_codes))
      and ($conditions is null or list_contains($conditions, r.condition))
      and ($worker_ids is null or list_contains($worker_ids, r.worker_id))
),

-- ONS4 is summarised on its first item here: every ONS4 form carries all four items.
baselines as (
    select referral_id, instrument as measure, assessment_date as baseline_date,
           coalesce(score, ons4_satisfaction) as baseline_score
    from scores_src
    where assessment_number = 1
),

follow_ups as (
    select referral_id, instrument as measure, min(assessment_date) as first_follow_up_date
    from scores_src
    where assessment_number > 1 and assessment_date <= $report_date
    group by referral_id, instrument
),

classified as (
    select
        b.measure,
        b.baseline_date,
        b.baseline_score,
        case
            when f.first_follow_up_date is not null then 'followed_up'
            when s.discharge_date is null or s.discharge_date > $report_date then 'open_no_follow_up'
            else 'discharged_no_follow_up'
        end as follow_up_status
    from baselines as b
    inner join in_scope as s using (referral_id)
    left join follow_ups as f
        on f.referral_id = b.referral_id and f.measure = b.measure
       and f.first_follow_up_date > b.baseline_date
    where b.baseline_date between $start_date and $end_date
)

select
    measure,
    follow_up_status,
    count(*) as baseline_count,
    avg(baseline_score) as mean_baseline,
    stddev_samp(baseline_score) as sd_baseline
from classified
group by measure, follow_up_status
order by measure, follow_up_status
