-- Rebuilds healthcare_use_people_all: the Healthcare use page's people and their windows for
-- the whole service (every practice, no condition or link-worker filter), the case a
-- programme lead opens, so that a page run reads them instead of ranking 2.7M referrals and
-- joining healthcare_use_windows (national: 10-17 s a run). Run by the importer after
-- healthcare_use_windows (this file's name sorts after derive_healthcare_use_windows.sql).
-- scope: none
-- reads: referrals, patients, healthcare_use_windows
--
-- healthcare_use_people_rows(practice_codes, conditions, worker_ids, start_date, end_date):
--   one row per person and after-window: cohort, practice_code, condition, index_month,
--   after_window and <measure>_before / _after (bigint; prescriptions NULL when their data
--   do not cover the windows). The one statement of the rules (index month, comparison
--   cohort, complete windows, the period): queries/healthcare_use_before_after.sql (the
--   Contract tracker's query) reads these rows too; tests/sql/test_healthcare_summary.py holds
--   every figure from healthcare_use_summary's sums equal to wellpath.costs over the rows,
--   and tests/sql/test_healthcare_windows.py the rows equal to the range join over the
--   monthly tables.
-- healthcare_use_people(...): the same rows, for healthcare_use_summary: read from
--   healthcare_use_people_all (filtered to the period) when the viewer's practices include
--   every practice with referrals or patients and no condition or link worker is chosen
--   (the index months and the comparison cohort's months do not depend on the period, so
--   the rows are the same); from healthcare_use_people_rows otherwise. Both ways tested
--   equal (tests/sql/test_healthcare_summary.py).
create table if not exists healthcare_use_people_all (
    cohort varchar,
    practice_code varchar,
    condition varchar,
    index_month date,
    after_window integer,
    gp_appointments_before bigint,
    gp_appointments_after bigint,
    ae_attendances_before bigint,
    ae_attendances_after bigint,
    outpatient_attendances_before bigint,
    outpatient_attendances_after bigint,
    nonelective_admissions_before bigint,
    nonelective_admissions_after bigint,
    opioid_items_before bigint,
    opioid_items_after bigint,
    gabapentinoid_items_before bigint,
    gabapentinoid_items_after bigint
);

create table if not exists healthcare_use_people_practices (practice_code varchar);

create or replace macro healthcare_use_people_rows(
    practice_codes, conditions, worker_ids, start_date, end_date
) as table
    with patients_src as (
        select patient_id, practice_code, cohort
        from patients
    ),

    referrals_src as (
        select referral_id, patient_id, practice_code, referral_date, condition, worker_id,
               triage_outcome
        from referrals
    ),

    windows_src as (
        select * from healthcare_use_windows
    ),

    referred_ranked as (
        select
            r.patient_id,
            r.practice_code,
            r.condition,
            cast(date_trunc('month', r.referral_date) as date) as index_month,
            row_number() over (partition by r.patient_id order by r.referral_date, r.referral_id)
                as referral_rank
        from referrals_src as r
        inner join patients_src as p using (patient_id)
        where p.cohort = 'referred'
          and r.triage_outcome = 'accepted'
          and r.practice_code in (select unnest(practice_codes))
          and (conditions is null or list_contains(conditions, r.condition))
          and (worker_ids is null or list_contains(worker_ids, r.worker_id))
    ),

    referred_people as (
        select patient_id, practice_code, condition, index_month
        from referred_ranked
        where referral_rank = 1
    ),

    referred_months as (
        select
            index_month,
            row_number() over (order by index_month) - 1 as month_position
        from referred_people
    ),

    referred_count as (
        select count(*) as referred_n from referred_people
    ),

    comparison_ranked as (
        select
            patient_id,
            practice_code,
            row_number() over (order by md5(patient_id), patient_id) as comparison_rank,
            count(*) over () as comparison_n
        from patients_src
        where cohort = 'comparison'
          and practice_code in (select unnest(practice_codes))
    ),

    -- The position is worked out on the comparison side alone, so the join below is an
    -- equality DuckDB can hash (an expression mixing both sides makes it a nested loop).
    comparison_positions as (
        select
            c.patient_id,
            c.practice_code,
            cast(floor((c.comparison_rank - 0.5) * r.referred_n / c.comparison_n) as bigint)
                as month_position
        from comparison_ranked as c
        cross join referred_count as r
    ),

    comparison_people as (
        select c.patient_id, c.practice_code, cast(null as varchar) as condition, m.index_month
        from comparison_positions as c
        inner join referred_months as m using (month_position)
    ),

    people as (
        select 'referred' as cohort, * from referred_people
        union all
        select 'comparison' as cohort, * from comparison_people
    ),

    -- Only complete windows are in healthcare_use_windows; a person is in the period when the
    -- last day of their after-window is.
    complete_windows as (
        select
            p.cohort,
            p.practice_code,
            p.condition,
            p.index_month,
            w.after_window,
            w.gp_appointments_before,
            w.gp_appointments_after,
            w.ae_attendances_before,
            w.ae_attendances_after,
            w.outpatient_attendances_before,
            w.outpatient_attendances_after,
            w.nonelective_admissions_before,
            w.nonelective_admissions_after,
            w.opioid_items_before,
            w.opioid_items_after,
            w.gabapentinoid_items_before,
            w.gabapentinoid_items_after
        from people as p
        inner join windows_src as w
            on w.patient_id = p.patient_id
           and w.index_month = p.index_month
           and w.cohort = p.cohort
        where last_day(cast(p.index_month + to_months(12 * w.after_window) as date))
            between start_date and end_date
    )

    select * from complete_windows;

create or replace macro healthcare_use_whole_service(practice_codes, conditions, worker_ids) as
    conditions is null and worker_ids is null
    and not exists (
        select 1
        from healthcare_use_people_practices as a
        where a.practice_code not in (select unnest(practice_codes))
    );

create or replace macro healthcare_use_people(
    practice_codes, conditions, worker_ids, start_date, end_date
) as table
    select *
    from healthcare_use_people_all as w
    where healthcare_use_whole_service(practice_codes, conditions, worker_ids)
      and last_day(cast(w.index_month + to_months(12 * w.after_window) as date))
          between start_date and end_date
    union all
    select *
    from healthcare_use_people_rows(
        -- an empty list when the stored rows answer, so that nothing is ranked or joined
        case
            when healthcare_use_whole_service(practice_codes, conditions, worker_ids)
                then []
            else practice_codes
        end,
        conditions,
        worker_ids,
        start_date,
        end_date
    );

create or replace table healthcare_use_people_practices as
select practice_code from referrals where practice_code is not null
union
select practice_code from patients where practice_code is not null;

create or replace table healthcare_use_people_all as
select *
from healthcare_use_people_rows(
    (select list(practice_code) from healthcare_use_people_practices),
    null,
    null,
    date '0001-01-01',
    date '9999-12-31'
);
