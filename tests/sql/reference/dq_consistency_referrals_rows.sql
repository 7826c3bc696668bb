-- The referrals flagged by the consistency checks, one row per referral and check, with
-- what a programme lead needs to find and fix the record (pseudonyms only). From the table
-- macro consistency_checks, as dq_consistency_checks counts them.
-- level: identifiable
select
    check_order,
    check_id,
    referral_id,
    patient_id,
    practice_code,
    worker_id,
    referral_date,
    triage_outcome,
    first_contact_date,
    last_contact_date,
    discharge_date
from consistency_checks(
    (select list(referral_id) from scoped_referrals($practice_codes, $conditions, $worker_ids)),
    $start_date, $end_date, $report_date,
    $min_age, $min_symptom_months, $max_symptom_months
)
where flagged
order by check_order, practice_code, referral_date, referral_id
