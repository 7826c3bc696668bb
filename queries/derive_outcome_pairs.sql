-- Every baseline with each of its possible follow-ups, for the pairing (macro
-- baseline_followup_pairs, queries/derive_table_macros_pairs.sql): one row per referral, measure
-- and later scored form. The baseline is the first complete scored form (assessment_number
-- 1); a candidate follow-up is a later-numbered scored form dated AFTER the baseline. Which
-- candidate is the follow-up depends on the report date and the time point, so it is chosen
-- when a page asks (one aggregate over this table); what does not depend on them (the
-- self-join of measure_scores, the days since the baseline, a whole-number id per baseline
-- to group by, and follow_up_order (the later date, then the later-numbered form, as one
-- number: days since 1970 x 2^20 + assessment_number) is done once per import, and so is
-- next_follow_up_date (the date of the baseline's next candidate in that order, NULL for the
-- last), so that the latest follow-up as at a report date is a filter, not an aggregate.
-- Each row carries its referral's practice_code and the table is stored in practice order,
-- so that a page for some practices reads only their row groups (DuckDB skips a row group
-- whose practice codes are out of range) instead of scanning every candidate of the file:
-- a practice manager's Outcomes queries scanned all 435,169 rows of an ICB for 923.
-- It carries the referral's condition and worker_id too, so that the scope's narrowing
-- (macro scoped_pair_candidates: scoped_referrals' own filter) is a filter on this table, not
-- a join with the referrals: a semi-join of 7.0M national candidates with 2.7M referrals
-- took 1.9 s of every pairing query for the whole service.
-- It carries what the Outcomes breakdowns group by (the referral date, and the patient's
-- sex, IMD decile and birth year) for the same reason: outcome_change_by_group joined 3M
-- national pairs to 2.7M scoped referrals for them (0.7 s a query, twice a page).
-- scope: none
-- reads: measure_scores, referrals, patients
-- A referral's baseline of each measure: its first complete scored form (assessment_number 1),
-- written once for both tables below.
create or replace macro scored_baselines() as table
    select
        referral_id,
        measure,
        assessment_date as baseline_date,
        score as baseline_score
    from measure_scores
    where assessment_number = 1 and score is not null;

create or replace table outcome_pair_candidates as
with baselines as (
    select row_number() over () as baseline_id, *
    from scored_baselines()
),

candidates as (
    select
        b.baseline_id,
        b.referral_id,
        b.measure,
        b.baseline_date,
        b.baseline_score,
        m.assessment_date as follow_up_date,
        m.assessment_number as follow_up_number,
        m.score as follow_up_score,
        date_diff('day', b.baseline_date, m.assessment_date) as days_since_baseline,
        cast(date_diff('day', date '1970-01-01', m.assessment_date) as bigint) * 1048576
        + m.assessment_number as follow_up_order
    from baselines as b
    inner join measure_scores as m
        on m.referral_id = b.referral_id
       and m.measure = b.measure
       and m.assessment_number > 1
       and m.assessment_date > b.baseline_date
       and m.score is not null
)

select
    r.practice_code,
    r.condition,
    r.worker_id,
    r.referral_date,
    p.sex,
    p.imd_decile,
    p.birth_year,
    c.*,
    -- the next candidate's date (by follow_up_order): this candidate is the latest
    -- follow-up for report dates from its own date up to the day before that one
    lead(c.follow_up_date) over (partition by c.baseline_id order by c.follow_up_order)
        as next_follow_up_date
from candidates as c
inner join referrals as r using (referral_id)
left join patients as p on p.patient_id = r.patient_id
order by r.practice_code, c.referral_id, c.measure, c.follow_up_order;

-- Every baseline once (referral, measure), with the date of its first candidate follow-up
-- (NULL when it has none) and its referral's discharge date, for follow-up coverage
-- (queries/baseline_followup_coverage.sql: a baseline is followed up by a report date when
-- it has a candidate dated by then, which is when its first one is): a filter on 2.2M
-- national baselines in the period instead of two joins, with 2.7M referrals and with the
-- candidates (1.1-1.5 s on Outcomes and Data quality). Carries the referral's practice,
-- condition and worker for the scope (macro scoped_outcome_baselines); practice order.
create or replace table outcome_baselines as
with baselines as (
    select * from scored_baselines()
),

first_follow_ups as (
    select referral_id, measure, min(follow_up_date) as first_follow_up_date
    from outcome_pair_candidates
    group by referral_id, measure
)

select
    r.practice_code,
    r.condition,
    r.worker_id,
    b.referral_id,
    b.measure,
    b.baseline_date,
    b.baseline_score,
    r.discharge_date,
    f.first_follow_up_date
from baselines as b
inner join referrals as r using (referral_id)
left join first_follow_ups as f using (referral_id, measure)
order by r.practice_code, b.baseline_date, b.referral_id, b.measure;

-- Each candidate for each standard time point (macro standard_time_points) whose window it
-- falls in, with better_from_date: the earliest date among the baseline's candidates that
-- the time point prefers to it (a larger pair_choice_key). As at a report date, the
-- follow-up chosen for the time point is then the candidate dated on or before it whose
-- better_from_date is not (or is NULL): a filter, as for the latest follow-up, instead of
-- an aggregate over every candidate on each page run (3.7 of the 4.3 s of the national
-- trajectory query). In practice order, like the candidates.
create or replace table outcome_time_point_candidates as
with in_window as (
    select
        c.practice_code,
        c.condition,
        c.worker_id,
        c.referral_date,
        c.sex,
        c.imd_decile,
        c.birth_year,
        c.baseline_id,
        c.referral_id,
        c.measure,
        s.time_point_months,
        s.window_days,
        c.baseline_date,
        c.baseline_score,
        c.follow_up_date,
        c.follow_up_score,
        pair_choice_key(
            c.follow_up_order, c.days_since_baseline,
            cast(s.time_point_months as double) * 30.4375
        ) as choice_key
    from outcome_pair_candidates as c
    inner join standard_time_points() as s
        on abs(c.days_since_baseline - cast(s.time_point_months as double) * 30.4375)
        <= cast(s.window_days as double)
)

select
    * exclude (choice_key),
    min(follow_up_date) over (
        partition by baseline_id, time_point_months
        order by choice_key desc
        rows between unbounded preceding and 1 preceding
    ) as better_from_date
from in_window
order by practice_code, referral_id, measure, time_point_months, follow_up_date;
