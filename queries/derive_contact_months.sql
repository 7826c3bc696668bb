-- Rebuilds contact_days and contact_months: contacts counted per referral's practice and
-- link worker, date (contact_days) or calendar month (contact_months) and mode, so that the
-- Contacts and action plans page reads a few rows per practice and month for the whole
-- months of a period instead of every contact. The part months at either end of a period
-- come from contact_days, and any period with a condition chosen from the contacts
-- themselves (macro contact_counts, queries/derive_table_macros_contacts.sql).
-- contact_days is stored in date order, so that the part months read only their own days'
-- row groups and need no join with the referrals (the join with 2.7M national referrals
-- was most of what those few days cost); contact_months adds its days up.
-- Run by the importer after every batch (wellpath.db.apply_derived).
-- scope: none
-- reads: contacts, referrals
--
-- Columns: practice_code, worker_id (the referral's; NULL kept as its own group),
-- contact_date (contact_days) or month_start (first of the month, contact_months), mode;
-- contact_count, attended_count, dna_count, cancelled_count; attended_minutes (sum of
-- minutes of attended contacts, NULL when none has minutes) and attended_minutes_n
-- (attended contacts with minutes recorded); minutes_n and attendance_n (contacts with
-- minutes, and with an attendance, recorded: the Data quality page's completeness).
-- Contacts of a referral not in referrals are left out, as the page's queries leave them out.
create or replace table contact_days as
with contacts_src as (
    select referral_id, contact_date, mode, minutes, attendance from contacts
),

referrals_src as (
    select referral_id, practice_code, worker_id from referrals
)

select
    r.practice_code,
    r.worker_id,
    c.contact_date,
    c.mode,
    count(*) as contact_count,
    count(*) filter (where c.attendance = 'attended') as attended_count,
    count(*) filter (where c.attendance = 'dna') as dna_count,
    count(*) filter (where c.attendance = 'cancelled') as cancelled_count,
    -- a BIGINT, not sum()'s HUGEINT: adding HUGEINTs up took 0.4 s for a year's national months
    (sum(c.minutes) filter (where c.attendance = 'attended'))::bigint as attended_minutes,
    count(c.minutes) filter (where c.attendance = 'attended') as attended_minutes_n,
    count(c.minutes) as minutes_n,
    count(c.attendance) as attendance_n
from contacts_src as c
inner join referrals_src as r on r.referral_id = c.referral_id
group by all
order by c.contact_date, r.practice_code;

create or replace table contact_months as
select
    practice_code,
    worker_id,
    date_trunc('month', contact_date)::date as month_start,
    mode,
    sum(contact_count)::bigint as contact_count,
    sum(attended_count)::bigint as attended_count,
    sum(dna_count)::bigint as dna_count,
    sum(cancelled_count)::bigint as cancelled_count,
    -- NULL when no attended contact of the month has minutes, as sum() over the contacts
    sum(attended_minutes)::bigint as attended_minutes,
    sum(attended_minutes_n)::bigint as attended_minutes_n,
    sum(minutes_n)::bigint as minutes_n,
    sum(attendance_n)::bigint as attendance_n
from contact_days
group by all
order by practice_code, month_start;
