-- The pairing of a baseline with a follow-up, written once (docs/methods.md, "Pairs"), for
-- paired_scores, score_trajectories and baseline_followup_coverage.
-- scope: none
--
-- baseline_followup_pairs(report_date, time_points_months, windows_days): one row per
--   referral, measure and time point: the baseline (the first complete scored form,
--   assessment_number 1) and the follow-up chosen for that time point among the later scored
--   forms dated AFTER the baseline and ON OR BEFORE report_date (a form after the report date
--   never chooses the pair, so a period's pairs do not depend on later data).
--   time_points_months and windows_days are zipped lists; a NULL time point means "the
--   latest follow-up". For a time point t the follow-up is the form nearest t x 30.4375 days
--   after the baseline, within its window either side.
--   Ties, deterministic: nearest first (time points only), then the later date, then, for two
--   forms on one date, the later-numbered form (assessment_number, which numbers a referral's
--   forms by date and then assessment_id).
--
-- measure_scores is built by derive_measure_scores.sql, which runs after this file; a table
-- macro needs its table to exist when it is created, and reads it by name when called, so an
-- empty table with the same columns stands in until then.
create table if not exists measure_scores (
    referral_id varchar,
    measure varchar,
    assessment_date date,
    score double,
    assessment_number integer
);

create or replace macro baseline_followup_pairs(report_date, time_points_months, windows_days)
as table
    with time_points as (
        select
            unnest(time_points_months) as time_point_months,
            unnest(windows_days) as window_days
    ),

    targets as (
        select
            time_point_months,
            cast(time_point_months as double) * 30.4375 as target_days,
            cast(window_days as double) as window_days
        from time_points
    ),

    baselines as (
        select referral_id, measure, assessment_date as baseline_date, score as baseline_score
        from measure_scores
        where assessment_number = 1 and score is not null
    ),

    candidates as (
        select
            b.referral_id,
            b.measure,
            t.time_point_months,
            t.target_days,
            b.baseline_date,
            b.baseline_score,
            m.assessment_date as follow_up_date,
            m.assessment_number as follow_up_number,
            m.score as follow_up_score,
            date_diff('day', b.baseline_date, m.assessment_date) as days_since_baseline
        from baselines as b
        inner join measure_scores as m
            on m.referral_id = b.referral_id
           and m.measure = b.measure
           and m.assessment_number > 1
           and m.assessment_date > b.baseline_date
           and m.assessment_date <= report_date
           and m.score is not null
        cross join targets as t
        where t.target_days is null
           or abs(date_diff('day', b.baseline_date, m.assessment_date) - t.target_days)
              <= t.window_days
    ),

    ranked as (
        select
            *,
            row_number() over (
                partition by referral_id, measure, time_point_months
                order by
                    case when target_days is null then 0
                         else abs(days_since_baseline - target_days) end,
                    follow_up_date desc,
                    follow_up_number desc
            ) as choice_rank
        from candidates
    )

    select
        referral_id,
        measure,
        time_point_months,
        baseline_date,
        baseline_score,
        follow_up_date,
        follow_up_score,
        days_since_baseline
    from ranked
    where choice_rank = 1;
