-- Referrals in the period and registered patients (list size) per practice, for referrals per
-- 1,000 registered patients on a funnel plot. Comparison practices (which do not refer) are
-- left out; practices with no list size are returned with list_size NULL.
-- level: aggregate
with facts as (
    select practice_code, referral_date, condition, worker_id
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

practices_src as (
    select practice_code, practice_name, list_size, role
    from practices
),

shown_practices as (
    select practice_code, practice_name, list_size
    from practices_src
    where practice_code in (select unnest($practice_codes))
      and role <> 'comparison'
),

in_scope as (
    select practice_code
    from facts
    where referral_date between $start_date and $end_date
),

per_practice as (
    select practice_code, count(*) as referral_count
    from in_scope
    group by practice_code
)

select
    p.practice_code,
    p.practice_name,
    p.list_size,
    coalesce(c.referral_count, 0) as referral_count
from shown_practices as p
left join per_practice as c on c.practice_code = p.practice_code
order by p.practice_code
