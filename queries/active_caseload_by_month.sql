-- People on the active caseload at the end of each month of the period (the report date for
-- the last, part month), using the contract's definition (macro is_active_on: accepted, first
-- contact on or before the date, not discharged before it). A person is counted once.
-- level: aggregate
with facts as (
    select
        patient_id, practice_code, condition, worker_id, triage_outcome, first_contact_date,
        discharge_date
    from referral_facts
),

months as (
    select
        cast(range as date) as month_start,
        least(last_day(cast(range as date)), $report_date) as on_date
    from range(
        cast(date_trunc('month', $start_date) as timestamp),
        cast(date_trunc('month', $end_date) as timestamp) + interval 1 month,
        interval 1 month
    )
),

in_scope as (
    select patient_id, triage_outcome, first_contact_date, discharge_date
    from facts
    where practice_code in (select unnest($practice_codes))
      and ($conditions is null or list_contains($conditions, condition))
      and ($worker_ids is null or list_contains($worker_ids, worker_id))
      and triage_outcome = 'accepted'
)

select
    m.month_start,
    m.on_date,
    count(distinct e.patient_id) as active_count
from months as m
left join in_scope as e
    on is_active_on(e.triage_outcome, e.first_contact_date, e.discharge_date, m.on_date)
group by m.month_start, m.on_date
order by m.month_start
