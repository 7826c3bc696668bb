-- People on the active caseload on the report date who have been on it for more than 18
-- months, by pseudonym: for practice staff in their own MDT only (refused for publishable
-- views). Longest first, with the last attended contact on or before the report date.
-- level: identifiable
with facts as (
    select
        referral_id, patient_id, practice_code, condition, worker_id, triage_outcome,
        triage_date, first_contact_date, discharge_date
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

contacts_src as (
    select referral_id, contact_date, attendance from contacts
),

last_contacts as (
    select referral_id, max(contact_date) as last_attended_contact_date
    from contacts_src
    where attendance = 'attended' and contact_date <= $report_date
    group by referral_id
),

workers_src as (
    select worker_id, display_name from link_workers
),

active as (
    select
        f.*,
        caseload_start_date(f.first_contact_date, f.triage_date) as caseload_start,
        days_to_months(caseload_days(f.first_contact_date, f.triage_date, null, $report_date))
            as caseload_months
    from facts as f
    where is_active_on(f.triage_outcome, f.first_contact_date, f.discharge_date, $report_date)
)

select
    a.patient_id,
    a.referral_id,
    a.practice_code,
    a.condition,
    w.display_name as worker_name,
    a.caseload_start,
    round(a.caseload_months, 1) as caseload_months,
    l.last_attended_contact_date
from active as a
left join workers_src as w on w.worker_id = a.worker_id
left join last_contacts as l on l.referral_id = a.referral_id
where a.caseload_months > 18
order by a.caseload_months desc, a.referral_id
