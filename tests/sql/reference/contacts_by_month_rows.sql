-- Contacts per calendar month of the period (zero-filled): all, attended, did not attend
-- (DNA), cancelled, and the DNA rate: DNAs over booked contacts that were not cancelled
-- (attended + DNA), the usual NHS definition. Part months at either end are flagged.
-- level: aggregate
-- percentages: dna_pct = dna_count / booked_count
with contacts_src as (
    select referral_id, contact_date, attendance from contacts
),

facts as (
    select referral_id, practice_code, condition, worker_id
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

months as (
    select month_start, is_whole_month
    from month_spine($start_date, $end_date, $report_date)
),

in_scope as (
    select date_trunc('month', c.contact_date)::date as month_start, c.attendance
    from contacts_src as c
    join facts as f on f.referral_id = c.referral_id
    where c.contact_date between $start_date and $end_date
),

monthly as (
    select
        month_start,
        count(*) as contact_count,
        count(*) filter (where attendance = 'attended') as attended_count,
        count(*) filter (where attendance = 'dna') as dna_count,
        count(*) filter (where attendance = 'cancelled') as cancelled_count
    from in_scope
    group by month_start
)

select
    m.month_start,
    m.is_whole_month,
    coalesce(c.contact_count, 0) as contact_count,
    coalesce(c.attended_count, 0) as attended_count,
    coalesce(c.dna_count, 0) as dna_count,
    coalesce(c.cancelled_count, 0) as cancelled_count,
    coalesce(c.attended_count, 0) + coalesce(c.dna_count, 0) as booked_count,
    100.0 * c.dna_count / nullif(c.attended_count + c.dna_count, 0) as dna_pct
from months as m
left join monthly as c on c.month_start = m.month_start
order by m.month_start
