-- People on the active caseload on the report date who have been on it for more than 18
-- months, by pseudonym: for practice staff in their own MDT only (refused for publishable
-- views). Longest first, with the last attended contact on or before the report date.
-- level: identifiable
with facts as (
    select
        referral_id, patient_id, practice_code, condition, worker_id, triage_outcome,
        triage_date, first_contact_date, discharge_date, last_attended_contact_date
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

contacts_src as (
    select referral_id, contact_date, attendance from contacts
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
),

long_stays as (
    select * from active where caseload_months > 18
),

last_contacts as (
    -- The last attended contact by the report date is referral_facts' last attended contact
    -- when that is on or before it (or none at all); only the long stays with a later one
    -- need their contacts read (reading all 26M contacts of a national file took 6 s).
    select referral_id, max(contact_date) as last_attended_contact_date
    from contacts_src
    where attendance = 'attended'
      and contact_date <= $report_date
      and referral_id in (
          select referral_id from long_stays where last_attended_contact_date > $report_date
      )
    group by referral_id
)

select
    a.patient_id,
    a.referral_id,
    a.practice_code,
    a.condition,
    w.display_name as worker_name,
    a.caseload_start,
    round(a.caseload_months, 1) as caseload_months,
    case
        when a.last_attended_contact_date > $report_date then l.last_attended_contact_date
        else a.last_attended_contact_date
    end as last_attended_contact_date
from long_stays as a
left join workers_src as w on w.worker_id = a.worker_id
left join last_contacts as l on l.referral_id = a.referral_id
order by a.caseload_months desc, a.referral_id
