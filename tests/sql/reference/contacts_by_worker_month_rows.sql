-- Attended contacts per link worker per calendar month of the period (zero-filled over the
-- workers with any contact in the period), with the worker's FTE for per-FTE rates. A contact
-- belongs to the worker holding its referral. is_whole_month is false for a part month.
-- level: aggregate
with contacts_src as (
    select referral_id, contact_date, attendance from contacts
),

facts as (
    select referral_id, practice_code, condition, worker_id
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

workers_src as (
    select worker_id, display_name, fte from link_workers
),

months as (
    select month_start, is_whole_month
    from month_spine($start_date, $end_date, $report_date)
),

in_scope as (
    select date_trunc('month', c.contact_date)::date as month_start, f.worker_id, c.attendance
    from contacts_src as c
    join facts as f on f.referral_id = c.referral_id
    where c.contact_date between $start_date and $end_date
      and f.worker_id is not null
),

monthly as (
    select
        month_start,
        worker_id,
        count(*) as contact_count,
        count(*) filter (where attendance = 'attended') as attended_count
    from in_scope
    group by month_start, worker_id
),

active_workers as (
    select distinct worker_id from in_scope
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
