-- Rebuilds healthcare_use_windows: per-person healthcare use summed over the 12 calendar
-- months before an index month and months 1-12 (after_window = 1) or 13-24 (after_window =
-- 2) after it, for every index month a person can be given, so that the Healthcare use page
-- reads one row per person and window instead of range-joining the monthly tables on every
-- view (queries/healthcare_use_before_after.sql picks the rows). Run by the importer after
-- every batch (wellpath.db.apply_derived).
-- scope: none
-- reads: referrals, patients, healthcare_use, prescriptions
--
-- Candidate index months (the windows are those of healthcare_use_before_after.sql):
--   referred people (patients.cohort = 'referred'): the calendar month of each of their
--     accepted referrals (their index month is the first one the page's filters keep);
--   comparison people: every month of the healthcare_use span (they are given one of the
--     referred people's index months).
-- Only complete windows are kept: the 12 months before and the whole after-window inside
-- healthcare_use's first to last month. A candidate with no rows in the window sums to 0.
-- Prescription columns are NULL unless prescriptions' own span covers both windows (else
-- 0 when the person has no items).
--
-- How: each monthly table is read once, joined on the person to the 37 months around each
-- candidate index month, and summed into the three 12-month blocks.
-- Columns: cohort, patient_id, index_month, after_window, <measure>_before / _after for
-- gp_appointments, ae_attendances, outpatient_attendances, nonelective_admissions,
-- opioid_items, gabapentinoid_items (sums, bigint).
create or replace table healthcare_use_windows as
with patients_src as (
    select patient_id, cohort from patients
),

referrals_src as (
    select patient_id, referral_date, triage_outcome from referrals
),

use_src as (
    select patient_id, month, gp_appointments, ae_attendances, outpatient_attendances,
           nonelective_admissions
    from healthcare_use
),

rx_src as (
    select patient_id, month, opioid_items, gabapentinoid_items from prescriptions
),

use_span as (
    select min(month) as first_month, max(month) as last_month from use_src
),

rx_span as (
    select min(month) as first_month, max(month) as last_month from rx_src
),

after_windows as (
    select * from (values (1, 12), (2, 24)) as w(after_window, last_offset)
),

span_months as (
    select cast(m as date) as month
    from use_span as s,
        generate_series(s.first_month, s.last_month, interval 1 month) as g(m)
),

candidates as (
    select distinct 'referred' as cohort, r.patient_id,
           cast(date_trunc('month', r.referral_date) as date) as index_month
    from referrals_src as r
    inner join patients_src as p using (patient_id)
    where p.cohort = 'referred' and r.triage_outcome = 'accepted'
    union all
    select 'comparison' as cohort, p.patient_id, m.month as index_month
    from patients_src as p
    cross join span_months as m
    where p.cohort = 'comparison'
),

-- Each candidate's three 12-month blocks (before, months 1-12 after, months 13-24 after),
-- summed from one join of the monthly table on the person and a 37-month range.
candidate_spans as (
    select
        cohort,
        patient_id,
        index_month,
        cast(index_month - interval 12 month as date) as before_first_month,
        cast(index_month + interval 12 month as date) as after1_last_month,
        cast(index_month + interval 24 month as date) as after2_last_month
    from candidates
    where cast(index_month - interval 12 month as date) >= (select first_month from use_span)
      and cast(index_month + interval 12 month as date) <= (select last_month from use_span)
),

use_blocks as (
    select
        c.patient_id,
        c.index_month,
        sum(u.gp_appointments) filter (where u.month < c.index_month) as gp_appointments_before,
        sum(u.gp_appointments) filter (where u.month > c.index_month and u.month <= c.after1_last_month) as gp_appointments_after1,
        sum(u.gp_appointments) filter (where u.month > c.after1_last_month) as gp_appointments_after2,
        sum(u.ae_attendances) filter (where u.month < c.index_month) as ae_attendances_before,
        sum(u.ae_attendances) filter (where u.month > c.index_month and u.month <= c.after1_last_month) as ae_attendances_after1,
        sum(u.ae_attendances) filter (where u.month > c.after1_last_month) as ae_attendances_after2,
        sum(u.outpatient_attendances) filter (where u.month < c.index_month) as outpatient_attendances_before,
        sum(u.outpatient_attendances) filter (where u.month > c.index_month and u.month <= c.after1_last_month) as outpatient_attendances_after1,
        sum(u.outpatient_attendances) filter (where u.month > c.after1_last_month) as outpatient_attendances_after2,
        sum(u.nonelective_admissions) filter (where u.month < c.index_month) as nonelective_admissions_before,
        sum(u.nonelective_admissions) filter (where u.month > c.index_month and u.month <= c.after1_last_month) as nonelective_admissions_after1,
        sum(u.nonelective_admissions) filter (where u.month > c.after1_last_month) as nonelective_admissions_after2
    from candidate_spans as c
    inner join use_src as u
        on u.patient_id = c.patient_id
       and u.month between c.before_first_month and c.after2_last_month
    group by c.patient_id, c.index_month
),

rx_blocks as (
    select
        c.patient_id,
        c.index_month,
        sum(x.opioid_items) filter (where x.month < c.index_month) as opioid_items_before,
        sum(x.opioid_items) filter (where x.month > c.index_month and x.month <= c.after1_last_month) as opioid_items_after1,
        sum(x.opioid_items) filter (where x.month > c.after1_last_month) as opioid_items_after2,
        sum(x.gabapentinoid_items) filter (where x.month < c.index_month) as gabapentinoid_items_before,
        sum(x.gabapentinoid_items) filter (where x.month > c.index_month and x.month <= c.after1_last_month) as gabapentinoid_items_after1,
        sum(x.gabapentinoid_items) filter (where x.month > c.after1_last_month) as gabapentinoid_items_after2
    from candidate_spans as c
    inner join rx_src as x
        on x.patient_id = c.patient_id
       and x.month between c.before_first_month and c.after2_last_month
    group by c.patient_id, c.index_month
),

windows as (
    select
        c.cohort,
        c.patient_id,
        c.index_month,
        w.after_window,
        cast(c.index_month - interval 12 month as date) >= x.first_month
            and cast(c.index_month + to_months(w.last_offset) as date) <= x.last_month
            as rx_complete
    from candidate_spans as c
    cross join after_windows as w
    cross join use_span as s
    cross join rx_span as x
    where cast(c.index_month + to_months(w.last_offset) as date) <= s.last_month
)

select
    w.cohort,
    w.patient_id,
    w.index_month,
    w.after_window,
    cast(coalesce(u.gp_appointments_before, 0) as bigint) as gp_appointments_before,
    cast(coalesce(case w.after_window when 1 then u.gp_appointments_after1 else u.gp_appointments_after2 end, 0)
        as bigint) as gp_appointments_after,
    cast(coalesce(u.ae_attendances_before, 0) as bigint) as ae_attendances_before,
    cast(coalesce(case w.after_window when 1 then u.ae_attendances_after1 else u.ae_attendances_after2 end, 0)
        as bigint) as ae_attendances_after,
    cast(coalesce(u.outpatient_attendances_before, 0) as bigint) as outpatient_attendances_before,
    cast(coalesce(case w.after_window when 1 then u.outpatient_attendances_after1 else u.outpatient_attendances_after2 end, 0)
        as bigint) as outpatient_attendances_after,
    cast(coalesce(u.nonelective_admissions_before, 0) as bigint) as nonelective_admissions_before,
    cast(coalesce(case w.after_window when 1 then u.nonelective_admissions_after1 else u.nonelective_admissions_after2 end, 0)
        as bigint) as nonelective_admissions_after,
    case when w.rx_complete then cast(coalesce(x.opioid_items_before, 0) as bigint) end
        as opioid_items_before,
    case when w.rx_complete then cast(coalesce(
        case w.after_window when 1 then x.opioid_items_after1 else x.opioid_items_after2 end, 0) as bigint) end
        as opioid_items_after,
    case when w.rx_complete then cast(coalesce(x.gabapentinoid_items_before, 0) as bigint) end
        as gabapentinoid_items_before,
    case when w.rx_complete then cast(coalesce(
        case w.after_window when 1 then x.gabapentinoid_items_after1 else x.gabapentinoid_items_after2 end, 0) as bigint) end
        as gabapentinoid_items_after
from windows as w
left join use_blocks as u using (patient_id, index_month)
left join rx_blocks as x using (patient_id, index_month)
order by w.patient_id, w.index_month, w.after_window
