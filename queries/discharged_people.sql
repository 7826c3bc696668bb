-- People discharged in the period, one row per referral, for the message back to the GP.
-- level: identifiable
-- Pseudonym (patient_id), practice, dates, contacts by attendance and the discharge reason.
-- $referral_ids: only these referrals (NULL: everyone discharged in the period).
with facts as (
    select *
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
    where discharge_date between $start_date and $end_date
      and ($referral_ids is null or list_contains($referral_ids, referral_id))
),

practices_src as (
    select practice_code, practice_name from practices
)

select
    f.referral_id,
    f.patient_id,
    f.practice_code,
    p.practice_name,
    f.referral_date,
    f.first_contact_date,
    f.discharge_date,
    f.discharge_reason,
    f.contacts_attended,
    f.contacts_dna,
    f.contacts_cancelled,
    f.attended_minutes
from facts as f
left join practices_src as p using (practice_code)
order by f.practice_code, f.discharge_date, f.patient_id, f.referral_id
