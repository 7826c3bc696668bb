-- Follow-up coverage: baselines dated in the period, per measure and follow-up status:
-- whether the baseline has a follow-up by the report date (a pair, as paired_scores makes
-- them: macro baseline_followup_pairs, queries/derive_table_macros_pairs.sql, which pairs a
-- baseline whenever it has a candidate follow-up in outcome_pair_candidates dated by the
-- report date, so that is what is asked here, for the baselines dated in the period only;
-- tests/sql/test_dq_aggregates.py shows it equal to the macro's answer) and, if not, whether
-- the person is still on the caseload (a follow-up may yet come) or was discharged without
-- one (lost to follow-up). One row per measure and status: how many baselines, their mean
-- and SD (the page adds the t interval, wellpath.outcomes.coverage_summary), and on every row
-- of a measure its "follow-up coverage": baselines dated in the period that have a follow-up
-- by the report date, as a share of all baselines dated in the period. This is THE
-- definition of follow-up coverage (Outcomes and Data quality both read it here).
-- ONS4 is counted once, on its first item (every ONS4 form carries all four items).
-- level: aggregate
-- statistics: mean_baseline, sd_baseline per baseline_count
-- percentages: follow_up_coverage_pct = measure_followed_up_count / measure_baseline_count
with in_scope as (
    select referral_id, discharge_date
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

measure_scores_src as (
    select referral_id, measure, assessment_date, score, assessment_number
    from measure_scores
    where measure not like 'ONS4\_%' escape '\' or measure = 'ONS4_satisfaction'
),

baselines as (
    select referral_id, measure, assessment_date as baseline_date, score as baseline_score
    from measure_scores_src
    where assessment_number = 1 and score is not null
),

candidates_src as (
    select referral_id, measure, baseline_date, follow_up_date
    from scoped_pair_candidates($practice_codes, $conditions, $worker_ids)
),

-- The baselines dated in the period with a candidate follow-up by the report date.
followed_up as (
    select distinct referral_id, measure
    from candidates_src
    where baseline_date between $start_date and $end_date
      and follow_up_date <= $report_date
),

classified as (
    select
        case when b.measure = 'ONS4_satisfaction' then 'ONS4' else b.measure end as measure,
        b.baseline_score,
        case
            when f.referral_id is not null then 'followed_up'
            when s.discharge_date is null or s.discharge_date > $report_date then 'open_no_follow_up'
            else 'discharged_no_follow_up'
        end as follow_up_status
    from baselines as b
    inner join in_scope as s using (referral_id)
    left join followed_up as f using (referral_id, measure)
    where b.baseline_date between $start_date and $end_date
),

by_status as (
    select
        measure,
        follow_up_status,
        count(*) as baseline_count,
        avg(baseline_score) as mean_baseline,
        stddev_samp(baseline_score) as sd_baseline
    from classified
    group by measure, follow_up_status
)

select
    measure,
    follow_up_status,
    baseline_count,
    mean_baseline,
    sd_baseline,
    coalesce(
        sum(baseline_count) filter (where follow_up_status = 'followed_up')
            over (partition by measure),
        0
    ) as measure_followed_up_count,
    sum(baseline_count) over (partition by measure) as measure_baseline_count,
    100.0 * coalesce(
        sum(baseline_count) filter (where follow_up_status = 'followed_up')
            over (partition by measure),
        0
    ) / sum(baseline_count) over (partition by measure) as follow_up_coverage_pct
from by_status
order by measure, follow_up_status
