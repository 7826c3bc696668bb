-- Referrals received by the whole service (the practices shown) per calendar month of the
-- period, zero-filled, for the SPC chart; part months at either end are flagged.
-- level: aggregate
with facts as (
    select practice_code, referral_date, referral_month, condition, worker_id
    from referral_facts
),

months as (
    select cast(range as date) as month_start
    from range(
        cast(date_trunc('month', $start_date) as timestamp),
        cast(date_trunc('month', $end_date) as timestamp) + interval 1 month,
        interval 1 month
    )
),

in_scope as (
    select referral_month
    from facts
    where practice_code in (select unnest($practice_codes))
      and ($conditions is null or list_contains($conditions, condition))
      and ($worker_ids is null or list_contains($worker_ids, worker_id))
      and referral_date between $start_date and $end_date
),

monthly as (
    select referral_month, count(*) as referral_count
    from in_scope
    group by referral_month
)

select
    m.month_start,
    coalesce(c.referral_count, 0) as referral_count,
    (m.month_start >= $start_date and last_day(m.month_start) <= $end_date) as is_whole_month
from months as m
left join monthly as c on c.referral_month = m.month_start
order by m.month_start
