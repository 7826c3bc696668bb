-- Referrals received per practice per calendar month of the period, zero-filled, with whether
-- the month lies wholly inside the period (part months at either end hold fewer days).
-- level: aggregate
with facts as (
    select practice_code, referral_date, referral_month, condition, worker_id
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

practices_src as (
    select practice_code, practice_name, role
    from practices
),

shown_practices as (
    select practice_code, practice_name
    from practices_src
    where practice_code in (select unnest($practice_codes))
      and role <> 'comparison'
),

months as (
    select month_start, is_whole_month
    from month_spine($start_date, $end_date, $report_date)
),

in_scope as (
    select practice_code, referral_month
    from facts
    where referral_date between $start_date and $end_date
),

monthly as (
    select practice_code, referral_month, count(*) as referral_count
    from in_scope
    group by practice_code, referral_month
)

select
    m.month_start,
    p.practice_code,
    p.practice_name,
    coalesce(c.referral_count, 0) as referral_count,
    m.is_whole_month
from months as m
cross join shown_practices as p
left join monthly as c
    on c.practice_code = p.practice_code and c.referral_month = m.month_start
order by m.month_start, p.practice_code
