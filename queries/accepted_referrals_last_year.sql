-- Accepted referrals in the 12 months to the end of the period: the people a year's service
-- cost pays for (the denominator of the service cost per person).
-- level: aggregate
with referrals_src as (
    select referral_id, practice_code, referral_date, condition, worker_id, triage_outcome
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
)

select count(*) as accepted_referral_count
from referrals_src as r
where r.triage_outcome = 'accepted'
  and r.referral_date > $end_date - interval 1 year
  and r.referral_date <= $end_date
