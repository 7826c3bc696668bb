-- Contacts in the period for the whole selection, in one row: all, attended, did not attend
-- (DNA), cancelled, booked (attended + DNA) and the DNA rate, DNAs over booked contacts (the
-- usual NHS definition). Counted directly, so a publishable rate uses the selection's own
-- rounded totals rather than adding up monthly cells (docs/methods.md, Disclosure).
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

totals as (
    select
        coalesce(sum(contact_count), 0)::bigint as contact_count,
        coalesce(sum(attended_count), 0)::bigint as attended_count,
        coalesce(sum(dna_count), 0)::bigint as dna_count,
        coalesce(sum(cancelled_count), 0)::bigint as cancelled_count
    from contacts_src
)

select
    contact_count,
    attended_count,
    dna_count,
    cancelled_count,
    attended_count + dna_count as booked_count,
    100.0 * dna_count / nullif(attended_count + dna_count, 0) as dna_pct
from totals
