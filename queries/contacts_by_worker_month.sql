-- Attended contacts per link worker per calendar month of the period (zero-filled over the
-- workers with any contact in the period), with the worker's FTE for per-FTE rates. A contact
-- belongs to the worker holding its referral. is_whole_month is false for a part month.
-- level: aggregate
-- From the counts per practice and month built at import (contact_months).
-- scope: practice_codes (contact_counts, queries/derive_table_macros_contacts.sql, reads the
-- per-practice monthly counts filtered on $practice_codes, $conditions and $worker_ids as
-- scoped_referrals filters referrals, and part months through scoped_referrals)
with contacts_src as (
    select *
    from contact_counts($practice_codes, $conditions, $worker_ids, $start_date, $end_date)
),

workers_src as (
    select worker_id, display_name, fte from link_workers
),

months as (
    select month_start, is_whole_month
    from month_spine($start_date, $end_date, $report_date)
),

monthly as (
    select
        month_start,
        worker_id,
        sum(contact_count)::bigint as contact_count,
        sum(attended_count)::bigint as attended_count
    from contacts_src
    where worker_id is not null
    group by month_start, worker_id
),

active_workers as (
    select distinct worker_id from monthly
)

select
    m.month_start,
    m.is_whole_month,
    a.worker_id,
    w.display_name,
    w.fte,
    coalesce(c.contact_count, 0) as contact_count,
    coalesce(c.attended_count, 0) as attended_count
from months as m
cross join active_workers as a
left join workers_src as w on w.worker_id = a.worker_id
left join monthly as c on c.month_start = m.month_start and c.worker_id = a.worker_id
order by w.display_name, m.month_start
