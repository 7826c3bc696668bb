-- Table macros for the Data quality page's consistency checks that read derived tables
-- (referral_facts, with its record dates, through scoped_referrals): created after them
-- and after derive_table_macros (derive files run in name order), because a table macro is
-- bound to the tables it reads when it is created.
-- scope: none
--
-- referral_check_flags(practice_codes, conditions, worker_ids, start_date, end_date,
--                      report_date, min_age, min_symptom_months, max_symptom_months):
--   the consistency checks of consistency_checks (derive_macros_quality.sql, described in
--   wellpath/quality.py CHECKS) for the viewer's scoped referrals, one row per referral
--   referred by the report date, with each check's population and flag as two columns
--   (in_<n>, flag_<n>, n = check_order) and the referral's dates for finding the record.
--   The same answers as consistency_checks (tests/sql/test_dq_aggregates.py): the contact
--   facts "by the report date" come from referral_facts (its contact facts and record
--   dates) when the referral has no contact after the report date, and otherwise from its
--   contact dates there (contact_dates, attended_contact_dates), not from the contacts.
create or replace macro referral_check_flags(
    practice_codes, conditions, worker_ids, start_date, end_date, report_date, min_age,
    min_symptom_months, max_symptom_months
) as table
with in_scope as (
    select
        r.*,
        least(r.earliest_contact_date, r.earliest_goal_date, r.earliest_form_date)
            < r.referral_date as has_record_before_referral,
        -- a contact after the report date: the facts by then from the referral's dates
        coalesce(r.latest_contact_date > report_date, false) as has_late_contact
    from scoped_referrals(practice_codes, conditions, worker_ids) as r
    where r.referral_date <= report_date
),

referral_state as (
    select
        r.*,
        case when not r.has_late_contact then r.contacts_attended
             else coalesce(len(list_filter(r.attended_contact_dates, d -> d <= report_date)), 0)
        end as attended_contacts_by_report,
        case when not r.has_late_contact then r.latest_contact_date
             else list_max(list_filter(r.contact_dates, d -> d <= report_date))
        end as last_contact_date,
        case when r.first_attended_contact_date <= report_date
             then r.first_attended_contact_date end as first_attended_date,
        r.referral_date between start_date and end_date as referred_in_period,
        r.triage_outcome is not null and coalesce(r.triage_date <= report_date, true)
            as triaged_by_report_date,
        is_active_on(r.triage_outcome, r.first_contact_date, r.discharge_date, report_date)
            as is_active,
        r.triage_outcome = 'accepted'
            and (r.first_contact_date is null or r.first_contact_date > report_date)
            and (r.discharge_date is null or r.discharge_date > report_date) as is_waiting,
        coalesce(r.latest_contact_date > r.discharge_date, false)
            as has_contact_after_discharge
    from in_scope as r
),

-- Dates less whole days are dates (an interval would make a timestamp of every referral's
-- date to compare); the age at referral is referral_facts' (macro age_at).
checks as (
    select
        *,
        referred_in_period and triage_outcome = 'accepted' as in_1,
        worker_id is null as flag_1,
        not triaged_by_report_date as in_2,
        referral_date < report_date - 14 as flag_2,
        is_waiting as in_3,
        referral_date < report_date - 42 as flag_3,
        is_active as in_4,
        coalesce(greatest(last_contact_date, first_contact_date), first_contact_date)
            < report_date - 90 as flag_4,
        is_active and first_contact_date < report_date - 56 as in_5,
        action_plan_date is null or action_plan_date > report_date as flag_5,
        referred_in_period and attended_contacts_by_report > 0 as in_6,
        first_contact_date is null as flag_6,
        referred_in_period and first_contact_date <= report_date
            and attended_contacts_by_report > 0 as in_7,
        first_attended_date < first_contact_date as flag_7,
        discharge_date between start_date and end_date as in_8,
        has_contact_after_discharge as flag_8,
        referred_in_period and action_plan_date <= report_date as in_9,
        first_contact_date is null or first_contact_date > report_date as flag_9,
        referred_in_period as in_10,
        has_record_before_referral as flag_10,
        referred_in_period and triage_outcome = 'accepted' as in_11,
        coalesce(age_at_referral_years < min_age, false)
            or coalesce(symptom_months not between min_symptom_months and max_symptom_months,
                false) as flag_11
    from referral_state
)

select
    referral_id,
    patient_id,
    practice_code,
    worker_id,
    referral_date,
    triage_outcome,
    first_contact_date,
    last_contact_date,
    discharge_date,
    coalesce(in_1, false) as in_1,
    coalesce(in_1, false) and coalesce(flag_1, false) as flag_1,
    coalesce(in_2, false) as in_2,
    coalesce(in_2, false) and coalesce(flag_2, false) as flag_2,
    coalesce(in_3, false) as in_3,
    coalesce(in_3, false) and coalesce(flag_3, false) as flag_3,
    coalesce(in_4, false) as in_4,
    coalesce(in_4, false) and coalesce(flag_4, false) as flag_4,
    coalesce(in_5, false) as in_5,
    coalesce(in_5, false) and coalesce(flag_5, false) as flag_5,
    coalesce(in_6, false) as in_6,
    coalesce(in_6, false) and coalesce(flag_6, false) as flag_6,
    coalesce(in_7, false) as in_7,
    coalesce(in_7, false) and coalesce(flag_7, false) as flag_7,
    coalesce(in_8, false) as in_8,
    coalesce(in_8, false) and coalesce(flag_8, false) as flag_8,
    coalesce(in_9, false) as in_9,
    coalesce(in_9, false) and coalesce(flag_9, false) as flag_9,
    coalesce(in_10, false) as in_10,
    coalesce(in_10, false) and coalesce(flag_10, false) as flag_10,
    coalesce(in_11, false) as in_11,
    coalesce(in_11, false) and coalesce(flag_11, false) as flag_11
from checks;

-- The forms of a scope's referrals by instrument (derive_referral_forms.sql), by
-- scoped_referrals' filter on the practice, condition and worker each row carries.
create or replace macro scoped_referral_forms(practice_codes, conditions, worker_ids) as table
    select *
    from referral_instrument_forms
    where practice_code in (select unnest(practice_codes))
      and (conditions is null or list_contains(conditions, condition))
      and (worker_ids is null or list_contains(worker_ids, worker_id));
