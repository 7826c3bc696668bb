-- The waiting list on the report date, one row per referral, by pseudonym: for practice
-- staff in their own MDT only (refused for publishable views). Same definition as
-- people_waiting_by_band.sql; longest wait first.
-- level: identifiable
with facts as (
    select
        referral_id, patient_id, practice_code, referral_date, referrer_role, condition,
        worker_id, triage_outcome, triage_date, first_contact_date, discharge_date
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

workers_src as (
    select worker_id, display_name from link_workers
)

select
    f.patient_id,
    f.referral_id,
    f.practice_code,
    f.referral_date,
    f.condition,
    waiting_for_on(f.triage_outcome, f.triage_date, $report_date) as waiting_for,
    wait_days(f.referral_date, $report_date) as days_waiting,
    w.display_name as worker_name
from facts as f
left join workers_src as w on w.worker_id = f.worker_id
where is_waiting_on(
    f.referral_date, f.triage_outcome, f.triage_date, f.first_contact_date, f.discharge_date,
    $report_date
)
order by days_waiting desc, f.referral_id
