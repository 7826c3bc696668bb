-- The Healthcare use page's people and their windows, for healthcare_use_summary and
-- healthcare_use_change_counts (their sums, so the page fetches a few rows, not one per
-- person): the rows of healthcare_use_before_after (which the Contract tracker reads), the
-- same CTEs; tests/sql/test_healthcare_summary.py holds every figure from the sums equal to
-- the figures from that query's rows.
-- scope: none
--
-- healthcare_use_people(practice_codes, conditions, worker_ids, start_date, end_date): one
--   row per person and after-window: cohort, practice_code, condition, index_month,
--   after_window and <measure>_before / _after (bigint; prescriptions NULL when their data
--   do not cover the windows). The rules (index month, comparison cohort, complete windows,
--   the period) are those written in queries/healthcare_use_before_after.sql.
create or replace macro healthcare_use_people(
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
