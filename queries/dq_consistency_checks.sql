-- Consistency checks worth a programme lead's attention, one row per check: how many
-- referrals each check looks at and how many it flags. The checks and who they look at are
-- described in wellpath/quality.py (CHECKS); the referrals behind each count are listed by
-- dq_consistency_referrals.sql, which shares this logic (a test holds the two together).
-- level: aggregate
-- percentages: flagged_pct = flagged_count / population_count
with referrals_src as (
    select * from referrals
),

patients_src as (
    select * from patients
),

contacts_src as (
    select * from contacts
),

referrals_in_scope as (
    select r.*, p.birth_year
    from referrals_src as r
    left join patients_src as p on p.patient_id = r.patient_id
    where r.practice_code in (select unnest($practice_codes))
      and ($conditions is null or list_contains($conditions, r.condition))
      and ($worker_ids is null or list_contains($worker_ids, r.worker_id))
      and r.referral_date <= $report_date
),

contact_summary as (
    select
        c.referral_id,
        max(c.contact_date) filter (where c.contact_date <= $report_date) as last_contact_date,
        count(*) filter (where c.attendance = 'attended' and c.contact_date <= $report_date)
            as attended_contacts
    from contacts_src as c
    where c.referral_id in (select referral_id from referrals_in_scope)
    group by c.referral_id
),

referral_state as (
    select
        r.*,
        coalesce(s.attended_contacts, 0) as attended_contacts,
        s.last_contact_date,
        r.referral_date between $start_date and $end_date as referred_in_period,
        r.triage_outcome is not null and coalesce(r.triage_date <= $report_date, true)
            as triaged_by_report_date,
        is_active_on(r.triage_outcome, r.first_contact_date, r.discharge_date, $report_date)
            as is_active,
        r.triage_outcome = 'accepted'
            and (r.first_contact_date is null or r.first_contact_date > $report_date)
            and (r.discharge_date is null or r.discharge_date > $report_date) as is_waiting,
        exists (
            select 1 from contacts_src as c
            where c.referral_id = r.referral_id and c.contact_date > r.discharge_date
        ) as has_contact_after_discharge
    from referrals_in_scope as r
    left join contact_summary as s on s.referral_id = r.referral_id
),

-- Each check: who it looks at (in_population) and who it flags (flagged, a subset).
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
        referral_date < $report_date - interval 14 day
    from referral_state
    union all
    select
        3, 'waiting_first_contact_over_42_days', referral_id,
        is_waiting,
        referral_date < $report_date - interval 42 day
    from referral_state
    union all
    select
        4, 'open_no_contact_90_days', referral_id,
        is_active,
        coalesce(greatest(last_contact_date, first_contact_date), first_contact_date)
            < $report_date - interval 90 day
    from referral_state
    union all
    select
        5, 'no_action_plan_after_8_weeks', referral_id,
        is_active and first_contact_date < $report_date - interval 56 day,
        action_plan_date is null or action_plan_date > $report_date
    from referral_state
    union all
    select
        6, 'attended_but_no_first_contact_date', referral_id,
        referred_in_period and attended_contacts > 0,
        first_contact_date is null
    from referral_state
    union all
    select
        7, 'contact_after_discharge', referral_id,
        discharge_date between $start_date and $end_date,
        has_contact_after_discharge
    from referral_state
    union all
    select
        8, 'accepted_outside_eligibility', referral_id,
        referred_in_period and triage_outcome = 'accepted',
        coalesce(age_at(birth_year, referral_date) < 18, false)
            or coalesce(symptom_months not between 3 and 36, false)
    from referral_state
)

select
    check_order,
    check_id,
    count_if(in_population)::bigint as population_count,
    count_if(in_population and coalesce(flagged, false))::bigint as flagged_count,
    round(100.0 * count_if(in_population and coalesce(flagged, false))
        / nullif(count_if(in_population), 0), 1) as flagged_pct
from checks
group by check_order, check_id
order by check_order
