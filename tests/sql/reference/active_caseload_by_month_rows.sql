-- People on the active caseload at the end of each month of the period (the report date for
-- the last, part month), using the contract's definition (macro is_active_on: accepted, first
-- contact on or before the date, not discharged before it). A person is counted once.
-- level: aggregate
with facts as (
    select patient_id, triage_outcome, first_contact_date, discharge_date
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

months as (
    select month_start, on_date from month_spine($start_date, $end_date, $report_date)
),

in_scope as (
    select patient_id, triage_outcome, first_contact_date, discharge_date
    from facts
    where triage_outcome = 'accepted'
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
