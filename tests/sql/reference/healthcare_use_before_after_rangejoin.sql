-- Healthcare use per person: the 12 calendar months before the index month against months
-- 1-12 (after_window = 1) or 13-24 (after_window = 2) after it, for referred people and for
-- the comparison cohort. One row per person and after-window; no pseudonyms.
-- level: person
-- Index month: the calendar month of a referred person's first accepted referral (the
-- referral month itself is in neither window). A comparison person is given an index month
-- drawn from the referred people's index months: comparison people in md5(pseudonym) order
-- take evenly spaced positions of the sorted referred months, so the two groups cover the
-- same calendar months. A window counts only when the data cover all of it (healthcare_use
-- from its first to its last month; prescriptions likewise, else their columns are NULL),
-- and a person is in the period when the last day of their after-window is in the period.
-- The comparison cohort is filtered by practice only (they were not referred).
-- scope: practice_codes (filtered by hand; to move onto scoped_referrals)
with patients_src as (
    select patient_id, practice_code, cohort
    from patients
),

referrals_src as (
    select referral_id, patient_id, practice_code, referral_date, condition, worker_id,
           triage_outcome
    from referrals
),

use_src as (
    select patient_id, month, gp_appointments, ae_attendances, outpatient_attendances,
           nonelective_admissions
    from healthcare_use
),

rx_src as (
    select patient_id, month, opioid_items, gabapentinoid_items
    from prescriptions
),

use_span as (
    select min(month) as first_month, max(month) as last_month from use_src
),

rx_span as (
    select min(month) as first_month, max(month) as last_month from rx_src
),

after_windows as (
    select * from (values (1, 1, 12), (2, 13, 24)) as w(after_window, first_offset, last_offset)
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
      and r.practice_code in (select unnest($practice_codes))
      and ($conditions is null or list_contains($conditions, r.condition))
      and ($worker_ids is null or list_contains($worker_ids, r.worker_id))
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
      and practice_code in (select unnest($practice_codes))
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

person_windows as (
    select
        p.*,
        w.after_window,
        cast(p.index_month - interval 12 month as date) as before_first_month,
        cast(p.index_month - interval 1 month as date) as before_last_month,
        cast(p.index_month + to_months(w.first_offset) as date) as after_first_month,
        cast(p.index_month + to_months(w.last_offset) as date) as after_last_month
    from people as p
    cross join after_windows as w
),

complete_windows as (
    select pw.*
    from person_windows as pw
    cross join use_span as s
    where pw.before_first_month >= s.first_month
      and pw.after_last_month <= s.last_month
      and last_day(pw.after_last_month) between $start_date and $end_date
),

use_sums as (
    select
        w.cohort,
        w.patient_id,
        w.after_window,
        sum(u.gp_appointments) filter (where u.month <= w.before_last_month)
            as gp_appointments_before,
        sum(u.gp_appointments) filter (where u.month >= w.after_first_month)
            as gp_appointments_after,
        sum(u.ae_attendances) filter (where u.month <= w.before_last_month)
            as ae_attendances_before,
        sum(u.ae_attendances) filter (where u.month >= w.after_first_month)
            as ae_attendances_after,
        sum(u.outpatient_attendances) filter (where u.month <= w.before_last_month)
            as outpatient_attendances_before,
        sum(u.outpatient_attendances) filter (where u.month >= w.after_first_month)
            as outpatient_attendances_after,
        sum(u.nonelective_admissions) filter (where u.month <= w.before_last_month)
            as nonelective_admissions_before,
        sum(u.nonelective_admissions) filter (where u.month >= w.after_first_month)
            as nonelective_admissions_after
    from complete_windows as w
    -- One equality and one range (not an OR of two ranges), so DuckDB can hash-join on the
    -- person; the FILTER clauses above keep the index month out of both windows.
    left join use_src as u
        on u.patient_id = w.patient_id
       and u.month between w.before_first_month and w.after_last_month
    group by w.cohort, w.patient_id, w.after_window
),

-- Prescriptions only where their own file covers both windows.
rx_windows as (
    select w.*
    from complete_windows as w
    cross join rx_span as s
    where w.before_first_month >= s.first_month
      and w.after_last_month <= s.last_month
),

rx_sums as (
    select
        w.cohort,
        w.patient_id,
        w.after_window,
        coalesce(sum(x.opioid_items) filter (where x.month <= w.before_last_month), 0)
            as opioid_items_before,
        coalesce(sum(x.opioid_items) filter (where x.month >= w.after_first_month), 0)
            as opioid_items_after,
        coalesce(sum(x.gabapentinoid_items) filter (where x.month <= w.before_last_month), 0)
            as gabapentinoid_items_before,
        coalesce(sum(x.gabapentinoid_items) filter (where x.month >= w.after_first_month), 0)
            as gabapentinoid_items_after
    from rx_windows as w
    left join rx_src as x
        on x.patient_id = w.patient_id
       and x.month between w.before_first_month and w.after_last_month
    group by w.cohort, w.patient_id, w.after_window
)

select
    w.cohort,
    w.practice_code,
    w.condition,
    w.index_month,
    w.after_window,
    coalesce(u.gp_appointments_before, 0) as gp_appointments_before,
    coalesce(u.gp_appointments_after, 0) as gp_appointments_after,
    coalesce(u.ae_attendances_before, 0) as ae_attendances_before,
    coalesce(u.ae_attendances_after, 0) as ae_attendances_after,
    coalesce(u.outpatient_attendances_before, 0) as outpatient_attendances_before,
    coalesce(u.outpatient_attendances_after, 0) as outpatient_attendances_after,
    coalesce(u.nonelective_admissions_before, 0) as nonelective_admissions_before,
    coalesce(u.nonelective_admissions_after, 0) as nonelective_admissions_after,
    x.opioid_items_before,
    x.opioid_items_after,
    x.gabapentinoid_items_before,
    x.gabapentinoid_items_after
from complete_windows as w
left join use_sums as u using (cohort, patient_id, after_window)
left join rx_sums as x using (cohort, patient_id, after_window)
order by w.cohort desc, w.after_window, w.practice_code, w.index_month,
         gp_appointments_before, gp_appointments_after
