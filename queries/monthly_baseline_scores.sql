-- Mean baseline score by calendar month of the baseline, per measure, for baselines dated in
-- the period (the series behind the SPC chart of who the service is starting with).
-- level: aggregate
-- statistics: mean_baseline_score per baseline_count
with referrals_src as (
    select referral_id, practice_code, condition, worker_id
    from referrals
),

scores_src as (
    select referral_id, instrument, assessment_date, score, assessment_number
    from assessment_scores
    where is_complete and assessment_number = 1 and score is not null
),

in_scope as (
    select referral_id
    from referrals_src as r
    where r.practice_code in (select unnest($practice_codes))
      and ($conditions is null or list_contains($conditions, r.condition))
      and ($worker_ids is null or list_contains($worker_ids, r.worker_id))
)

select
    s.instrument as measure,
    cast(date_trunc('month', s.assessment_date) as date) as baseline_month,
    count(*) as baseline_count,
    avg(s.score) as mean_baseline_score
from scores_src as s
inner join in_scope as i using (referral_id)
where s.assessment_date between $start_date and $end_date
group by all
order by measure, baseline_month
