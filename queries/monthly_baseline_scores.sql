-- Mean baseline score by calendar month of the baseline, per measure, for baselines dated in
-- the period (the series behind the SPC chart of who the service is starting with).
-- The baselines are outcome_baselines' (built at import from measure_scores: the first
-- complete scored form of each referral and instrument), less ONS4's four items, as ONS4
-- has no total score: the same rows as reading assessment_scores and joining them to the
-- scope's referrals (tests/sql/test_dq_aggregates.py, against tests/sql/reference/).
-- level: aggregate
-- statistics: mean_baseline_score per baseline_count
with baselines_src as (
    select measure, baseline_date, baseline_score
    from scoped_outcome_baselines($practice_codes, $conditions, $worker_ids)
    where measure not like 'ONS4\_%' escape '\'
      and baseline_date between $start_date and $end_date
)

select
    measure,
    cast(date_trunc('month', baseline_date) as date) as baseline_month,
    count(*) as baseline_count,
    avg(baseline_score) as mean_baseline_score
from baselines_src
group by all
order by measure, baseline_month
