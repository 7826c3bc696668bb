-- Headline figures for the period: referrals, triage, active caseload, waiting, median wait.
-- One row. Referral counts are referrals dated in the period; the active caseload and the
-- waiting list are as on the report date (end of period); the median wait is over people
-- whose first contact fell in the period.
-- level: aggregate
-- statistics: median_wait_days per first_contact_count
-- percentages: accepted_pct = accepted_count / triaged_count
with referrals_in_scope as (
    select *
    from referrals
    where practice_code in (select unnest($practice_codes))
      and ($conditions is null or list_contains($conditions, condition))
      and ($worker_ids is null or list_contains($worker_ids, worker_id))
),

referred_in_period as (
    select *
    from referrals_in_scope
    where referral_date between $start_date and $end_date
),

first_contacts_in_period as (
    select wait_days(referral_date, first_contact_date) as wait_days
    from referrals_in_scope
    where first_contact_date between $start_date and $end_date
)

select
    (select count(*) from referred_in_period) as referral_count,
    (select count(*) from referred_in_period where triage_outcome is not null) as triaged_count,
    (select count(*) from referred_in_period where triage_outcome = 'accepted') as accepted_count,
    (select count(*) from referred_in_period where triage_outcome is null) as awaiting_triage_count,
    round(100.0 * (select count(*) from referred_in_period where triage_outcome = 'accepted')
        / nullif((select count(*) from referred_in_period where triage_outcome is not null), 0), 1)
        as accepted_pct,
    (select count(*) from referrals_in_scope
        where is_active_on(triage_outcome, first_contact_date, discharge_date, $report_date))
        as active_caseload_count,
    (select count(*) from referrals_in_scope
        where triage_outcome = 'accepted'
          and referral_date <= $report_date
          and (first_contact_date is null or first_contact_date > $report_date)
          and (discharge_date is null or discharge_date > $report_date)) as waiting_count,
    (select count(*) from referrals_in_scope
        where discharge_date between $start_date and $end_date) as discharged_count,
    (select count(*) from first_contacts_in_period) as first_contact_count,
    (select median(wait_days) from first_contacts_in_period) as median_wait_days
