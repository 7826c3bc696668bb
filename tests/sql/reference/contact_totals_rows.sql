-- Contacts in the period for the whole selection, in one row: all, attended, did not attend
-- (DNA), cancelled, booked (attended + DNA) and the DNA rate, DNAs over booked contacts (the
-- usual NHS definition). Counted directly, so a publishable rate uses the selection's own
-- rounded totals rather than adding up monthly cells (docs/methods.md, Disclosure).
-- level: aggregate
-- percentages: dna_pct = dna_count / booked_count
with contacts_src as (
    select referral_id, contact_date, attendance from contacts
),

facts as (
    select referral_id, practice_code, condition, worker_id
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

in_scope as (
    select c.attendance
    from contacts_src as c
    join facts as f on f.referral_id = c.referral_id
    where c.contact_date between $start_date and $end_date
),

totals as (
    select
        count(*) as contact_count,
        count(*) filter (where attendance = 'attended') as attended_count,
        count(*) filter (where attendance = 'dna') as dna_count,
        count(*) filter (where attendance = 'cancelled') as cancelled_count
    from in_scope
)

select
    contact_count,
    attended_count,
    dna_count,
    cancelled_count,
    attended_count + dna_count as booked_count,
    100.0 * dna_count / nullif(attended_count + dna_count, 0) as dna_pct
from totals
