-- Referrals received by the whole service (the practices shown) per calendar month of the
-- period, zero-filled, for the SPC chart; part months at either end are flagged.
-- level: aggregate
with facts as (
    select practice_code, referral_date, referral_month, condition, worker_id
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

months as (
    select month_start, is_whole_month
    from month_spine($start_date, $end_date, $report_date)
),

in_scope as (
    select referral_month
    from facts
    where referral_date between $start_date and $end_date
),

monthly as (
    select referral_month, count(*) as referral_count
    from in_scope
    group by referral_month
)

select
    m.month_start,
    coalesce(c.referral_count, 0) as referral_count,
    m.is_whole_month
from months as m
left join monthly as c on c.referral_month = m.month_start
order by m.month_start
