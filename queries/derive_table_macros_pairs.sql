-- The pairing of a baseline with a follow-up, written once (docs/methods.md, "Pairs"), for
-- paired_scores, score_trajectories and baseline_followup_coverage.
-- scope: none
--
-- baseline_followup_pairs(practice_codes, conditions, worker_ids, report_date,
--   time_points_months, windows_days): one row per referral of the scope (macro
--   scoped_referrals: the candidates are narrowed to it first, so a practice's page pairs its
--   own forms, not the whole file's), measure and time point: the baseline (the first
--   complete scored form, assessment_number 1) and the follow-up chosen for that time point
--   among the later scored forms dated AFTER the baseline and ON OR BEFORE report_date (a form after the report date
--   never chooses the pair, so a period's pairs do not depend on later data).
--   Each row also has the referral's practice, condition and date and the patient's sex,
--   IMD decile and birth year (carried on the candidates), for the breakdowns by group
--   without a join.
--   time_points_months and windows_days are zipped lists; a NULL time point means "the
--   latest follow-up". For a time point t the follow-up is the form nearest t x 30.4375 days
--   after the baseline, within its window either side.
--   Ties, deterministic: nearest first (time points only), then the later date, then, for two
--   forms on one date, the later-numbered form (assessment_number, which numbers a referral's
--   forms by date and then assessment_id).
--   from_date (optional, for a caller that keeps only pairs whose follow-up is dated on or
--   after it): for the latest follow-up (NULL time point), choose among the forms dated
--   from_date..report_date only. The same pairs once the caller drops those dated before
--   from_date (a later date is always a later choice, so the latest form on or before
--   report_date is on or after from_date exactly when one such form exists), from a third
--   of the candidates for a year of three. Left out, it is 1 Jan 1900, before any form (not
--   NULL: a DuckLake catalog cannot store a macro whose default has no type, nor cast the
--   text "NULL" back to a date). Time points choose among all forms as before
--   (the nearest form may be before from_date, and its pair is then out of the period).
--   The latest follow-up is a filter: the candidate dated on or before report_date whose
--   next candidate (next_follow_up_date, built at import) is not. A standard time point's
--   (standard_time_points, derive_macros_pairs.sql) is a filter too: the candidate dated on
--   or before report_date whose better_from_date (the earliest date of a candidate it
--   prefers, built at import into outcome_time_point_candidates) is not. Any other time
--   point's choice is one aggregate, not a window: arg_max over one whole-number key
--   (pair_choice_key: closeness, then date, then form number) per baseline and time point,
--   read from outcome_pair_candidates (every baseline with each later scored form, built at
--   import by derive_outcome_pairs.sql), so no page run joins measure_scores to itself or
--   ranks the candidates. A follow-up's key is unique within its baseline, so the choice
--   is too, and the filter and the aggregate choose the same form.
--
-- measure_scores and outcome_pair_candidates are built by derive_measure_scores.sql and
-- derive_outcome_pairs.sql, which run before this file (derive files run in name order, and
-- scoped_referrals, derive_table_macros.sql, must exist too); a table macro needs its table
-- to exist when it is created, so where this file is loaded on its own (the tests' small
-- databases) an empty table with the same columns stands in, to be filled and derived after.
create table if not exists measure_scores (
    referral_id varchar,
    measure varchar,
    assessment_date date,
    score double,
    assessment_number integer
);

create table if not exists outcome_pair_candidates (
    practice_code varchar,
    condition varchar,
    worker_id varchar,
    referral_date date,
    sex varchar,
    imd_decile integer,
    birth_year integer,
    baseline_id bigint,
    referral_id varchar,
    measure varchar,
    baseline_date date,
    baseline_score double,
    follow_up_date date,
    follow_up_number integer,
    follow_up_score double,
    days_since_baseline bigint,
    follow_up_order bigint,
    next_follow_up_date date
);
create table if not exists outcome_time_point_candidates (
    practice_code varchar,
    condition varchar,
    worker_id varchar,
    referral_date date,
    sex varchar,
    imd_decile integer,
    birth_year integer,
    baseline_id bigint,
    referral_id varchar,
    measure varchar,
    time_point_months integer,
    window_days integer,
    baseline_date date,
    baseline_score double,
    follow_up_date date,
    follow_up_score double,
    better_from_date date
);
-- (a file built before next_follow_up_date: the column, until derive_outcome_pairs.sql
-- rebuilds the table)
create table if not exists outcome_baselines (
    practice_code varchar,
    condition varchar,
    worker_id varchar,
    referral_id varchar,
    measure varchar,
    baseline_date date,
    baseline_score double,
    discharge_date date,
    first_follow_up_date date
);
alter table outcome_pair_candidates add column if not exists next_follow_up_date date;
alter table outcome_pair_candidates add column if not exists practice_code varchar;
alter table outcome_pair_candidates add column if not exists condition varchar;
alter table outcome_pair_candidates add column if not exists worker_id varchar;
alter table outcome_pair_candidates add column if not exists referral_date date;
alter table outcome_pair_candidates add column if not exists sex varchar;
alter table outcome_pair_candidates add column if not exists imd_decile integer;
alter table outcome_pair_candidates add column if not exists birth_year integer;
alter table outcome_time_point_candidates add column if not exists referral_date date;
alter table outcome_time_point_candidates add column if not exists sex varchar;
alter table outcome_time_point_candidates add column if not exists imd_decile integer;
alter table outcome_time_point_candidates add column if not exists birth_year integer;

-- The candidates of a scope's referrals: scoped_referrals' filter (derive_table_macros.sql),
-- on the referral's practice, condition and worker that each candidate carries, so the same
-- referrals without a join. The practice comes first: the table is stored in practice order
-- (derive_outcome_pairs.sql), so this skips the other practices' row groups.
create or replace macro scoped_pair_candidates(practice_codes, conditions, worker_ids) as table
    select *
    from outcome_pair_candidates
    where practice_code in (select unnest(practice_codes))
      and (conditions is null or list_contains(conditions, condition))
      and (worker_ids is null or list_contains(worker_ids, worker_id));

-- The same scope's candidates for the standard time points (derive_outcome_pairs.sql), by
-- the same filter.
create or replace macro scoped_time_point_candidates(practice_codes, conditions, worker_ids)
as table
    select *
    from outcome_time_point_candidates
    where practice_code in (select unnest(practice_codes))
      and (conditions is null or list_contains(conditions, condition))
      and (worker_ids is null or list_contains(worker_ids, worker_id));

-- The latest follow-up of each of a scope's baselines as at report_date, among the candidates
-- dated from_date..report_date: the candidate dated on or before report_date whose next
-- candidate (next_follow_up_date, built at import) is not (docs/methods.md, "Pairs"). Every
-- candidate column, the follow-up's form number (follow_up_number) among them, so that the
-- Star page pairs the area scores of the very forms Outcomes pairs on the total
-- (instrument_item_score_pairs) and baseline_followup_pairs' latest follow-up is this one.
create or replace macro latest_follow_ups(
    practice_codes, conditions, worker_ids, report_date, from_date
) as table
    select *
    from scoped_pair_candidates(practice_codes, conditions, worker_ids)
    where follow_up_date <= report_date
      and (next_follow_up_date is null or next_follow_up_date > report_date)
      and (from_date is null or follow_up_date >= from_date);

-- The same scope's baselines with their first candidate follow-up (derive_outcome_pairs.sql),
-- by the same filter.
create or replace macro scoped_outcome_baselines(practice_codes, conditions, worker_ids)
as table
    select *
    from outcome_baselines
    where practice_code in (select unnest(practice_codes))
      and (conditions is null or list_contains(conditions, condition))
      and (worker_ids is null or list_contains(worker_ids, worker_id));

create or replace macro baseline_followup_pairs(
    practice_codes, conditions, worker_ids, report_date, time_points_months, windows_days,
    from_date := date '1900-01-01'
) as table
    -- No CTE for the scope's candidates: the two branches that read them each call
    -- scoped_pair_candidates, so each reads only its columns with its filters pushed down. A
    -- CTE read twice is materialized (a copy of the scope's 7M national candidates, every
    -- column: most of outcome_change_by_group's 1.9 s and outcome_score_pairs' 1.4 s), and
    -- DuckDB 1.5.5 drops a stored macro's `not materialized`.
    with time_points as (
        select
            unnest(time_points_months) as time_point_months,
            unnest(windows_days) as window_days
    ),

    targets as (
        select distinct
            time_point_months,
            cast(time_point_months as double) * 30.4375 as target_days,
            cast(window_days as double) as window_days,
            exists (
                select 1
                from standard_time_points() as s
                where s.time_point_months = time_points.time_point_months
                  and s.window_days = time_points.window_days
            ) as is_standard
        from time_points
    ),

    -- The latest follow-up (NULL time point): macro latest_follow_ups, a filter, the same
    -- candidate as the largest follow_up_order on or before report_date.
    latest as (
        select
            c.referral_id,
            c.measure,
            t.time_point_months,
            c.practice_code,
            c.condition,
            c.referral_date,
            c.sex,
            c.imd_decile,
            c.birth_year,
            c.baseline_date,
            c.baseline_score,
            c.follow_up_date,
            c.follow_up_score
        from latest_follow_ups(practice_codes, conditions, worker_ids, report_date, from_date)
            as c
        inner join targets as t on t.target_days is null
    ),

    -- A standard time point's follow-up, prepared at import: the candidate dated on or before
    -- report_date that no better candidate dated by then displaces (better_from_date,
    -- derive_outcome_pairs.sql): the same candidate as the largest pair_choice_key below.
    prepared as (
        select
            c.referral_id,
            c.measure,
            t.time_point_months,
            c.practice_code,
            c.condition,
            c.referral_date,
            c.sex,
            c.imd_decile,
            c.birth_year,
            c.baseline_date,
            c.baseline_score,
            c.follow_up_date,
            c.follow_up_score
        from scoped_time_point_candidates(practice_codes, conditions, worker_ids) as c
        inner join targets as t
            on t.is_standard
           and t.time_point_months = c.time_point_months
           and t.window_days = c.window_days
        where c.follow_up_date <= report_date
          and (c.better_from_date is null or c.better_from_date > report_date)
    ),

    -- Any other time point: the largest pair_choice_key among its window's candidates.
    candidates as (
        select
            c.baseline_id,
            c.referral_id,
            c.measure,
            t.time_point_months,
            c.practice_code,
            c.condition,
            c.referral_date,
            c.sex,
            c.imd_decile,
            c.birth_year,
            c.baseline_date,
            c.baseline_score,
            c.follow_up_date,
            c.follow_up_score,
            pair_choice_key(c.follow_up_order, c.days_since_baseline, t.target_days)
                as choice_key
        from scoped_pair_candidates(practice_codes, conditions, worker_ids) as c
        inner join targets as t on t.target_days is not null and not t.is_standard
        where c.follow_up_date <= report_date
          and abs(c.days_since_baseline - t.target_days) <= t.window_days
    ),

    chosen as (
        select
            -- one baseline per baseline_id: these are the same on all its rows
            any_value(referral_id) as referral_id,
            any_value(measure) as measure,
            time_point_months,
            any_value(practice_code) as practice_code,
            any_value(condition) as condition,
            any_value(referral_date) as referral_date,
            any_value(sex) as sex,
            any_value(imd_decile) as imd_decile,
            any_value(birth_year) as birth_year,
            any_value(baseline_date) as baseline_date,
            any_value(baseline_score) as baseline_score,
            arg_max(follow_up_date, choice_key) as follow_up_date,
            arg_max(follow_up_score, choice_key) as follow_up_score
        from candidates
        group by baseline_id, time_point_months
    ),

    both_ways as (
        select * from latest
        union all
        select * from prepared
        union all
        select
            referral_id, measure, time_point_months, practice_code, condition, referral_date,
            sex, imd_decile, birth_year, baseline_date, baseline_score, follow_up_date,
            follow_up_score
        from chosen
    )

    select
        referral_id,
        measure,
        time_point_months,
        baseline_date,
        baseline_score,
        follow_up_date,
        follow_up_score,
        date_diff('day', baseline_date, follow_up_date) as days_since_baseline,
        practice_code,
        condition,
        referral_date,
        sex,
        imd_decile,
        birth_year
    from both_ways;

-- The score trajectory's points, for the referrals of a scope: the fixed
-- cohort is the referrals with a baseline and a score at the horizon, that score dated in
-- start_date..end_date; its points are the baseline (time point 0) and the score nearest
-- each time point up to the horizon (baseline_followup_pairs). One definition for
-- score_trajectories (person rows) and outcome_trajectory_means (their means).
-- measures: the measures wanted (NULL: all); a page draws one measure's trajectory, and the
-- pairs it needs are a fifth of all measures' (5.7M national candidates read otherwise).
-- A positional parameter, not `measures := null`: a NULL default has DuckDB's type NULL,
-- which a DuckLake catalog cannot store (its commit fails), and a typed default crashes it.
create or replace macro trajectory_points(
    practice_codes, conditions, worker_ids, report_date, time_points_months, windows_days,
    horizon_months, start_date, end_date, measures
) as table
    with nearest as (
        select referral_id, measure, time_point_months, baseline_score, follow_up_date,
               follow_up_score
        from baseline_followup_pairs(
            practice_codes, conditions, worker_ids, report_date, time_points_months,
            windows_days
        )
        where time_point_months > 0 and time_point_months <= horizon_months
          and (measures is null or list_contains(measures, measure))
    ),

    cohort as (
        select referral_id, measure, baseline_score
        from nearest
        where time_point_months = horizon_months
          and follow_up_date between start_date and end_date
    )

    select referral_id, measure, 0 as time_point_months, baseline_score as score
    from cohort
    union all
    select n.referral_id, n.measure, n.time_point_months, n.follow_up_score as score
    from nearest as n
    inner join cohort as c using (referral_id, measure);
