-- Follow-up coverage: baselines dated in the period, per measure and follow-up status:
-- whether the baseline has a follow-up by the report date (a pair, as paired_scores makes
-- them: macro baseline_followup_pairs, queries/derive_table_macros_pairs.sql, which pairs a
-- baseline whenever it has a candidate follow-up in outcome_pair_candidates dated by the
-- report date, so that is what is asked here: whether the baseline's first candidate, kept
-- in outcome_baselines, is dated by then; tests/sql/test_dq_aggregates.py shows it equal
-- to the macro's answer) and, if not, whether
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
with baselines_src as (
    select measure, baseline_date, baseline_score, discharge_date, first_follow_up_date
    from scoped_outcome_baselines($practice_codes, $conditions, $worker_ids)
    where measure not like 'ONS4\_%' escape '\' or measure = 'ONS4_satisfaction'
),

classified as (
    select
        case when measure = 'ONS4_satisfaction' then 'ONS4' else measure end as measure,
        baseline_score,
        case
            when first_follow_up_date <= $report_date then 'followed_up'
            when discharge_date is null or discharge_date > $report_date then 'open_no_follow_up'
            else 'discharged_no_follow_up'
        end as follow_up_status
    from baselines_src
    where baseline_date between $start_date and $end_date
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
