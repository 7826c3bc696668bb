-- Contacts dated in the period by mode: all contacts, attended, did not attend, cancelled,
-- and the minutes of the attended ones. Filters apply through the contact's referral.
-- level: aggregate
-- statistics: attended_minutes_total, mean_minutes_per_attended per attended_count
-- From the counts per practice and month built at import (contact_months).
-- scope: practice_codes (contact_counts, queries/derive_table_macros_contacts.sql, reads the
-- per-practice monthly counts filtered on $practice_codes, $conditions and $worker_ids as
-- scoped_referrals filters referrals, and part months through scoped_referrals)
with contacts_src as (
    select *
    from contact_counts($practice_codes, $conditions, $worker_ids, $start_date, $end_date)
)

select
    mode,
    sum(contact_count)::bigint as contact_count,
    sum(attended_count)::bigint as attended_count,
    sum(dna_count)::bigint as dna_count,
    sum(cancelled_count)::bigint as cancelled_count,
    cast(coalesce(sum(attended_minutes), 0) as bigint) as attended_minutes_total,
    sum(attended_minutes) / nullif(sum(attended_minutes_n), 0) as mean_minutes_per_attended
from contacts_src
group by mode
order by contact_count desc, mode
