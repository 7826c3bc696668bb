-- Rebuilds contact_months: contacts counted per referral's practice and link worker,
-- calendar month and mode, so that the Contacts and action plans page reads a few rows per
-- practice and month for the whole months of a period instead of every contact (part months
-- at either end of a period, and any period with a condition chosen, are still read from
-- the contacts themselves).
-- Run by the importer after every batch (wellpath.db.apply_derived).
-- scope: none
-- reads: contacts, referrals
--
-- Columns: practice_code, worker_id (the referral's; NULL kept as its own group), month_start (first of the month), mode; contact_count, attended_count, dna_count,
-- cancelled_count; attended_minutes (sum of minutes of attended contacts, NULL when none has
-- minutes) and attended_minutes_n (attended contacts with minutes recorded); minutes_n and
-- attendance_n (contacts with minutes, and with an attendance, recorded: the Data quality
-- page's completeness).
-- Contacts of a referral not in referrals are left out, as the page's queries leave them out.
create or replace table contact_months as
with contacts_src as (
    select referral_id, contact_date, mode, minutes, attendance from contacts
),

referrals_src as (
    select referral_id, practice_code, worker_id from referrals
)

select
    r.practice_code,
    r.worker_id,
    date_trunc('month', c.contact_date)::date as month_start,
    c.mode,
    count(*) as contact_count,
    count(*) filter (where c.attendance = 'attended') as attended_count,
    count(*) filter (where c.attendance = 'dna') as dna_count,
    count(*) filter (where c.attendance = 'cancelled') as cancelled_count,
    sum(c.minutes) filter (where c.attendance = 'attended') as attended_minutes,
    count(c.minutes) filter (where c.attendance = 'attended') as attended_minutes_n,
    count(c.minutes) as minutes_n,
    count(c.attendance) as attendance_n
from contacts_src as c
inner join referrals_src as r on r.referral_id = c.referral_id
group by all
order by r.practice_code, month_start;
