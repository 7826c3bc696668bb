-- The goals of the people discharged in the period (see discharged_people).
-- $referral_ids: only these referrals (NULL: everyone discharged in the period).
-- level: identifiable
with facts as (
    select referral_id
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
    where discharge_date between $start_date and $end_date
      and ($referral_ids is null or list_contains($referral_ids, referral_id))
)

select g.referral_id, g.goal_id, g.domain, g.agreed_date, g.status, g.closed_date
from goals as g
inner join facts as f using (referral_id)
order by g.referral_id, g.agreed_date, g.goal_id
