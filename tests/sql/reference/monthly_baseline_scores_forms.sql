-- Mean baseline score by calendar month of the baseline, per measure, for baselines dated in
-- the period (the series behind the SPC chart of who the service is starting with).
-- level: aggregate
-- statistics: mean_baseline_score per baseline_count
with referrals_src as (
    select referral_id
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

scores_src as (
    select referral_id, instrument, assessment_date, score, assessment_number
    from assessment_scores
    where is_complete and assessment_number = 1 and score is not null
),

in_scope as (
    select referral_id
    from referrals_src
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
