-- Referrals in the period by referrer role and calendar quarter (quarter_start = first day), for
-- the mix and its change over time. A referrer role left blank is returned as NULL.
-- level: aggregate
with facts as (
    select practice_code, referral_date, referrer_role, condition, worker_id
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

in_scope as (
    select date_trunc('quarter', referral_date)::date as quarter_start, referrer_role
    from facts
    where referral_date between $start_date and $end_date
)

select quarter_start, referrer_role, count(*) as referral_count
from in_scope
group by quarter_start, referrer_role
order by quarter_start, referrer_role
