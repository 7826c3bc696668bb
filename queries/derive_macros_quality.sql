-- Table macros for the Data quality page (docs/architecture.md, "SQL building blocks").
-- scope: none
--
-- consistency_checks(referral_ids, start_date, end_date, report_date, min_age,
--                    min_symptom_months, max_symptom_months):
--   one row per check and referral of `referral_ids` (the caller passes the viewer's scoped
--   referrals: `(select list(referral_id) from scoped_referrals(...))`), with whether the
--   check looks at the referral (in_population) and flags it (flagged, a subset), and the
--   referral's dates for finding the record. The checks are described in
--   wellpath/quality.py (CHECKS). dq_consistency_checks counts them and
--   dq_consistency_referrals lists the flagged referrals, so the two cannot disagree.
--   Eligibility comes from wellpath.contract (eligibility_params) as bound parameters.
--
-- This file runs before derive_referral_facts and derive_table_macros (name order), so it
-- reads the contract tables, which the schema creates, and takes the scoped ids as a list.

create or replace macro consistency_checks(
    referral_ids, start_date, end_date, report_date, min_age, min_symptom_months,
    max_symptom_months
) as table
with in_scope as (
    select r.*, p.birth_year
    from referrals as r
    left join patients as p on p.patient_id = r.patient_id
    where r.referral_id in (select unnest(referral_ids))
      and r.referral_date <= report_date
),

contact_summary as (
    select
        c.referral_id,
        max(c.contact_date) filter (where c.contact_date <= report_date) as last_contact_date,
        count(*) filter (where c.attendance = 'attended' and c.contact_date <= report_date)
            as attended_contacts,
        min(c.contact_date) filter (where c.attendance = 'attended' and c.contact_date <= report_date)
            as first_attended_date,
        max(c.contact_date) as latest_contact_any_date,
        min(c.contact_date) as earliest_contact_date
    from contacts as c
    where c.referral_id in (select referral_id from in_scope)
    group by c.referral_id
),

goal_summary as (
    select referral_id, min(agreed_date) as earliest_goal_date
    from goals
    where referral_id in (select referral_id from in_scope)
    group by referral_id
),

form_summary as (
    select referral_id, min(assessment_date) as earliest_form_date
    from assessments
    where referral_id in (select referral_id from in_scope)
    group by referral_id
),

referral_state as (
    select
        r.*,
        coalesce(s.attended_contacts, 0) as attended_contacts,
        s.last_contact_date,
        s.first_attended_date,
        r.referral_date between start_date and end_date as referred_in_period,
        r.triage_outcome is not null and coalesce(r.triage_date <= report_date, true)
            as triaged_by_report_date,
        is_active_on(r.triage_outcome, r.first_contact_date, r.discharge_date, report_date)
            as is_active,
        r.triage_outcome = 'accepted'
            and (r.first_contact_date is null or r.first_contact_date > report_date)
            and (r.discharge_date is null or r.discharge_date > report_date) as is_waiting,
        coalesce(s.latest_contact_any_date > r.discharge_date, false)
            as has_contact_after_discharge,
        least(s.earliest_contact_date, g.earliest_goal_date, f.earliest_form_date)
            < r.referral_date as has_record_before_referral
    from in_scope as r
    left join contact_summary as s on s.referral_id = r.referral_id
    left join goal_summary as g on g.referral_id = r.referral_id
    left join form_summary as f on f.referral_id = r.referral_id
),

checks as (
    select
        1 as check_order, 'accepted_no_worker' as check_id, referral_id,
        referred_in_period and triage_outcome = 'accepted' as in_population,
        worker_id is null as flagged
    from referral_state
    union all
    select
        2, 'awaiting_triage_over_14_days', referral_id,
        not triaged_by_report_date,
        referral_date < report_date - interval 14 day
    from referral_state
    union all
    select
        3, 'waiting_first_contact_over_42_days', referral_id,
        is_waiting,
        referral_date < report_date - interval 42 day
    from referral_state
    union all
    select
        4, 'open_no_contact_90_days', referral_id,
        is_active,
        coalesce(greatest(last_contact_date, first_contact_date), first_contact_date)
            < report_date - interval 90 day
    from referral_state
    union all
    select
        5, 'no_action_plan_after_8_weeks', referral_id,
        is_active and first_contact_date < report_date - interval 56 day,
        action_plan_date is null or action_plan_date > report_date
    from referral_state
    union all
    select
        6, 'attended_but_no_first_contact_date', referral_id,
        referred_in_period and attended_contacts > 0,
        first_contact_date is null
    from referral_state
    union all
    -- An attended contact earlier than the recorded first contact: the wait is overstated.
    select
        7, 'attended_before_first_contact_date', referral_id,
        referred_in_period and first_contact_date <= report_date and attended_contacts > 0,
        first_attended_date < first_contact_date
    from referral_state
    union all
    select
        8, 'contact_after_discharge', referral_id,
        discharge_date between start_date and end_date,
        has_contact_after_discharge
    from referral_state
    union all
    -- The importer refuses an action plan dated before the first contact on the same row,
    -- but not a plan with no first contact at all.
    select
        9, 'action_plan_without_first_contact', referral_id,
        referred_in_period and action_plan_date <= report_date,
        first_contact_date is null or first_contact_date > report_date
    from referral_state
    union all
    -- Contacts, goals or questionnaires dated before the referral (a referral re-sent with a
    -- later date, or goals and forms, which the importer does not compare with it).
    select
        10, 'record_before_referral', referral_id,
        referred_in_period,
        has_record_before_referral
    from referral_state
    union all
    select
        11, 'accepted_outside_eligibility', referral_id,
        referred_in_period and triage_outcome = 'accepted',
        coalesce(age_at(birth_year, referral_date) < min_age, false)
            or coalesce(symptom_months not between min_symptom_months and max_symptom_months,
                false)
    from referral_state
)

select
    k.check_order,
    k.check_id,
    k.referral_id,
    coalesce(k.in_population, false) as in_population,
    coalesce(k.in_population, false) and coalesce(k.flagged, false) as flagged,
    r.patient_id,
    r.practice_code,
    r.worker_id,
    r.referral_date,
    r.triage_outcome,
    r.first_contact_date,
    r.last_contact_date,
    r.discharge_date
from checks as k
join referral_state as r on r.referral_id = k.referral_id;
