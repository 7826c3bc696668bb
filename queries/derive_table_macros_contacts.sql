-- Table macro for the Contacts and action plans page's contact counts, read from the
-- per-practice monthly counts built at import (contact_months, derive_contact_months.sql).
-- Created after contact_months, contact_days and derive_table_macros (derive files run in
-- name order), because a table macro is bound to the tables it reads when it is created.
-- scope: none
--
-- contact_counts(practice_codes, conditions, worker_ids, start_date, end_date):
--   contacts dated start_date..end_date on the viewer's referrals (those of
--   scoped_referrals(practice_codes, conditions, worker_ids)), counted per referral practice,
--   link worker, calendar month and mode: contact_count, attended_count, dna_count,
--   cancelled_count, attended_minutes (sum; NULL when none recorded), attended_minutes_n,
--   minutes_n and attendance_n (contacts with minutes, and with an attendance, recorded).
--   A month the period covers whole comes from contact_months (filtered as scoped_referrals
--   filters referrals) when no condition is chosen (contact_months has no condition); a
--   part month at either end from contact_days (per practice, worker, date and mode, in
--   date order: a few days' row groups and no join); every month when a condition is
--   chosen from the contacts themselves, through scoped_referrals. Several rows may share a
--   key (one per path): sum them. The same sums as counting the contacts
--   (tests/sql/test_contact_months.py).
create or replace macro contact_counts(
    practice_codes, conditions, worker_ids, start_date, end_date
) as table
-- The whole months of the period run from the first of the month on or after start_date
-- to the last month end on or before end_date (none when those cross).
select
    practice_code, worker_id, month_start, mode, contact_count, attended_count, dna_count,
    cancelled_count, attended_minutes, attended_minutes_n, minutes_n, attendance_n
from contact_months
where conditions is null
  and practice_code in (select unnest(practice_codes))
  and (worker_ids is null or list_contains(worker_ids, worker_id))
  and month_start >= whole_months_start(start_date)
  and month_start <= whole_months_end(end_date)
union all
-- the part months at either end, from the day counts (no condition chosen)
select
    practice_code, worker_id, date_trunc('month', contact_date)::date as month_start, mode,
    contact_count, attended_count, dna_count, cancelled_count, attended_minutes,
    attended_minutes_n, minutes_n, attendance_n
from contact_days
where conditions is null
  and contact_date between start_date and end_date
  and is_part_month_day(contact_date, start_date, end_date)
  and practice_code in (select unnest(practice_codes))
  and (worker_ids is null or list_contains(worker_ids, worker_id))
union all
-- every contact of the period when a condition is chosen (contact_days has no condition),
-- through scoped_referrals
select
    f.practice_code,
    f.worker_id,
    date_trunc('month', c.contact_date)::date as month_start,
    c.mode,
    count(*) as contact_count,
    count(*) filter (where c.attendance = 'attended') as attended_count,
    count(*) filter (where c.attendance = 'dna') as dna_count,
    count(*) filter (where c.attendance = 'cancelled') as cancelled_count,
    (sum(c.minutes) filter (where c.attendance = 'attended'))::bigint as attended_minutes,
    count(c.minutes) filter (where c.attendance = 'attended') as attended_minutes_n,
    count(c.minutes) as minutes_n,
    count(c.attendance) as attendance_n
from contacts as c
inner join scoped_referrals(practice_codes, conditions, worker_ids) as f
    on f.referral_id = c.referral_id
where conditions is not null and c.contact_date between start_date and end_date
group by all;
