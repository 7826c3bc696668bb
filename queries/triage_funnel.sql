-- The referral pathway for referrals received in the period, as it stood on the report date:
-- referred; each triage outcome (awaiting triage, accepted, not eligible, declined, no contact,
-- redirected); then, of those accepted, first contact, action plan agreed and discharged.
-- base_stage names the stage each conversion is a share of.
-- Events dated after the report date have not happened yet as at that date.
-- level: aggregate
-- percentages: conversion_pct = referral_count / base_count
with facts as (
    select
        practice_code, referral_date, condition, worker_id, triage_outcome, triage_date,
        first_contact_date, action_plan_date, discharge_date
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

in_scope as (
    select
        -- an outcome recorded without a date counts as known; one dated later is not yet
        case
            when triage_date is null or triage_date <= $report_date then triage_outcome
        end as triage_outcome_then,
        coalesce(first_contact_date <= $report_date, false) as had_first_contact,
        coalesce(action_plan_date <= $report_date, false) as had_action_plan,
        coalesce(discharge_date <= $report_date, false) as was_discharged
    from facts
    where referral_date between $start_date and $end_date
),

tallies as (
    select
        count(*) as referred,
        count(*) filter (where triage_outcome_then is null) as awaiting_triage,
        count(*) filter (where triage_outcome_then = 'accepted') as accepted,
        count(*) filter (where triage_outcome_then = 'not_eligible') as not_eligible,
        count(*) filter (where triage_outcome_then = 'declined') as declined,
        count(*) filter (where triage_outcome_then = 'no_contact') as no_contact,
        count(*) filter (where triage_outcome_then = 'redirected') as redirected,
        count(*) filter (
            where triage_outcome_then = 'accepted' and had_first_contact
        ) as first_contact,
        count(*) filter (
            where triage_outcome_then = 'accepted' and had_first_contact and had_action_plan
        ) as action_plan,
        count(*) filter (
            where triage_outcome_then = 'accepted' and was_discharged
        ) as discharged
    from in_scope
),

stages as (
    select 1 as stage_order, 'referred' as stage, referred as referral_count,
        'referred' as base_stage, referred as base_count from tallies
    union all
    select 2, 'awaiting_triage', awaiting_triage, 'referred', referred from tallies
    union all
    select 3, 'accepted', accepted, 'referred', referred from tallies
    union all
    select 4, 'not_eligible', not_eligible, 'referred', referred from tallies
    union all
    select 5, 'declined', declined, 'referred', referred from tallies
    union all
    select 6, 'no_contact', no_contact, 'referred', referred from tallies
    union all
    select 7, 'redirected', redirected, 'referred', referred from tallies
    union all
    select 8, 'first_contact', first_contact, 'accepted', accepted from tallies
    union all
    select 9, 'action_plan', action_plan, 'first_contact', first_contact from tallies
    union all
    select 10, 'discharged', discharged, 'accepted', accepted from tallies
)

select
    stage_order,
    stage,
    referral_count,
    base_stage,
    base_count,
    100.0 * referral_count / nullif(base_count, 0) as conversion_pct
from stages
order by stage_order
