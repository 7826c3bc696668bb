-- Contacts per calendar month of the period (zero-filled): all, attended, did not attend
-- (DNA), cancelled, and the DNA rate: DNAs over booked contacts that were not cancelled
-- (attended + DNA), the usual NHS definition. Part months at either end are flagged.
-- level: aggregate
-- percentages: dna_pct = dna_count / booked_count
-- From the counts per practice and month built at import (contact_months).
-- scope: practice_codes (contact_counts, queries/derive_table_macros_contacts.sql, reads the
-- per-practice monthly counts filtered on $practice_codes, $conditions and $worker_ids as
-- scoped_referrals filters referrals, and part months through scoped_referrals)
with contacts_src as (
    select *
    from contact_counts($practice_codes, $conditions, $worker_ids, $start_date, $end_date)
),

months as (
    select month_start, is_whole_month
    from month_spine($start_date, $end_date, $report_date)
),

monthly as (
    select
        month_start,
        sum(contact_count)::bigint as contact_count,
        sum(attended_count)::bigint as attended_count,
        sum(dna_count)::bigint as dna_count,
        sum(cancelled_count)::bigint as cancelled_count
    from contacts_src
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
