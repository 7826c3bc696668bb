-- Rebuilds referral_facts: one row per referral with its heavy per-referral facts (contact
-- counts, minutes, first and last attended contact, goals), the patient's demographics at
-- referral and the contract's derived notions, so that pages do not recount contacts on
-- every view. Run by the importer after every batch (wellpath.db.apply_derived).
-- scope: none
-- reads: referrals, patients, contacts, goals, assessments
-- One row per referral from that referral's rows alone: after a small batch only the
-- referrals it touched are rebuilt (the "by referral" marks say where
-- wellpath.db.apply_derived narrows the sources to them).
--
-- Columns (facts are over the whole record, not cut to any reporting period; queries that
-- need "as at a date" facts use the contract tables directly):
--   referral_id, patient_id, practice_code, referral_date, referral_month (first of month),
--   referrer_role, is_self_referral, condition, symptom_months, triage_outcome, triage_date,
--   worker_id, first_contact_date, action_plan_date, discharge_date, discharge_reason
--   birth_year, sex, ethnic_group, imd_decile, imd_quintile (1 most deprived .. 5; from the
--     decile as ceil(decile / 2)), age_at_referral_years (macro age_at),
--     age_band ('18-29', '30-39', ... '70-79', '80+'; NULL when birth year is unknown)
--   wait_days (macro wait_days: referral to first contact; NULL while waiting)
--   caseload_start_date (macro caseload_start_date)
--   contacts_total, contacts_attended, contacts_dna, contacts_cancelled (number of contacts)
--   attended_minutes (sum of minutes of attended contacts; 0 when none)
--   first_attended_contact_date, last_attended_contact_date
--   goals_total, goals_achieved (number of goals in the action plan, and achieved ones)
--   earliest_contact_date, latest_contact_date (any attendance), earliest_goal_date (agreed),
--     earliest_form_date, latest_form_date (questionnaires, complete or not): the record's
--     dates, for the Data quality page's consistency checks and freshness and Safe
--     caseloads' late contacts (until 3 Dec 2026 a table of their own, referral_record_dates,
--     that every one of those queries had to join to 2.7M referrals: 0.3-0.6 s a query
--     nationally)
--   contact_dates, attended_contact_dates: the dates of every contact and of the attended
--     ones, in date order (NULL when none), so that the facts "as at a report date" before
--     the latest contact are read from the referral's own row (list_filter) instead of
--     from 26M national contacts (0.7 s of each consistency check and Safe caseloads run)
--   is_engaged (contract: accepted and at least one attended contact)
-- Columns deliberately do not end in _count: this is a table, not a published figure.
create or replace table referral_facts as
with referrals_src as (
    select * from referrals /*by referral*/
),

patients_src as (
    select patient_id, birth_year, sex, ethnic_group, imd_decile from patients
),

contacts_src as (
    select referral_id, contact_date, minutes, attendance from contacts /*by referral*/
),

goals_src as (
    select referral_id, status, agreed_date from goals /*by referral*/
),

assessments_src as (
    select referral_id, assessment_date from assessments /*by referral*/
),

contact_facts as (
    select
        referral_id,
        count(*) as contacts_total,
        count(*) filter (where attendance = 'attended') as contacts_attended,
        count(*) filter (where attendance = 'dna') as contacts_dna,
        count(*) filter (where attendance = 'cancelled') as contacts_cancelled,
        coalesce(sum(minutes) filter (where attendance = 'attended'), 0) as attended_minutes,
        min(contact_date) filter (where attendance = 'attended') as first_attended_contact_date,
        max(contact_date) filter (where attendance = 'attended') as last_attended_contact_date,
        min(contact_date) as earliest_contact_date,
        max(contact_date) as latest_contact_date,
        list(contact_date order by contact_date) as contact_dates,
        list(contact_date order by contact_date) filter (where attendance = 'attended')
            as attended_contact_dates
    from contacts_src
    group by referral_id
),

goal_facts as (
    select
        referral_id,
        count(*) as goals_total,
        count(*) filter (where status = 'achieved') as goals_achieved,
        min(agreed_date) as earliest_goal_date
    from goals_src
    group by referral_id
),

form_facts as (
    select
        referral_id,
        min(assessment_date) as earliest_form_date,
        max(assessment_date) as latest_form_date
    from assessments_src
    group by referral_id
),

joined as (
    select
        r.referral_id,
        r.patient_id,
        r.practice_code,
        r.referral_date,
        date_trunc('month', r.referral_date)::date as referral_month,
        r.referrer_role,
        coalesce(r.referrer_role = 'self', false) as is_self_referral,
        r.condition,
        r.symptom_months,
        r.triage_outcome,
        r.triage_date,
        r.worker_id,
        r.first_contact_date,
        r.action_plan_date,
        r.discharge_date,
        r.discharge_reason,
        p.birth_year,
        p.sex,
        p.ethnic_group,
        p.imd_decile,
        cast(ceil(p.imd_decile / 2) as integer) as imd_quintile,
        age_at(p.birth_year, r.referral_date) as age_at_referral_years,
        wait_days(r.referral_date, r.first_contact_date) as wait_days,
        caseload_start_date(r.first_contact_date, r.triage_date) as caseload_start_date,
        coalesce(c.contacts_total, 0) as contacts_total,
        coalesce(c.contacts_attended, 0) as contacts_attended,
        coalesce(c.contacts_dna, 0) as contacts_dna,
        coalesce(c.contacts_cancelled, 0) as contacts_cancelled,
        coalesce(c.attended_minutes, 0) as attended_minutes,
        c.first_attended_contact_date,
        c.last_attended_contact_date,
        coalesce(g.goals_total, 0) as goals_total,
        coalesce(g.goals_achieved, 0) as goals_achieved,
        c.earliest_contact_date,
        c.latest_contact_date,
        c.contact_dates,
        c.attended_contact_dates,
        g.earliest_goal_date,
        f.earliest_form_date,
        f.latest_form_date
    from referrals_src as r
    left join patients_src as p on p.patient_id = r.patient_id
    left join contact_facts as c on c.referral_id = r.referral_id
    left join goal_facts as g on g.referral_id = r.referral_id
    left join form_facts as f on f.referral_id = r.referral_id
)

select
    *,
    case
        when age_at_referral_years is null then null
        when age_at_referral_years < 30 then '18-29'
        when age_at_referral_years >= 80 then '80+'
        else cast(floor(age_at_referral_years / 10) * 10 as integer)::varchar
            || '-' || cast(floor(age_at_referral_years / 10) * 10 + 9 as integer)::varchar
    end as age_band,
    coalesce(triage_outcome = 'accepted' and contacts_attended > 0, false) as is_engaged
from joined
-- stored in practice order: every page starts from scoped_referrals (a practice filter), and
-- DuckDB then skips the row groups of other practices instead of scanning the whole table
order by practice_code, referral_id
;

-- (a file built before 3 Dec 2026 has the record dates in a table of their own)
drop table if exists referral_record_dates;
