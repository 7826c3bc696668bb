-- Contacts dated in the period by mode: all contacts, attended, did not attend, cancelled,
-- and the minutes of the attended ones. Filters apply through the contact's referral.
-- level: aggregate
-- statistics: attended_minutes_total, mean_minutes_per_attended per attended_count
with contacts_src as (
    select referral_id, contact_date, mode, minutes, attendance from contacts
),

facts as (
    select referral_id, practice_code, condition, worker_id
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

in_scope as (
    select c.mode, c.minutes, c.attendance
    from contacts_src as c
    join facts as f on f.referral_id = c.referral_id
    where c.contact_date between $start_date and $end_date
)

select
    mode,
    count(*) as contact_count,
    count(*) filter (where attendance = 'attended') as attended_count,
    count(*) filter (where attendance = 'dna') as dna_count,
    count(*) filter (where attendance = 'cancelled') as cancelled_count,
    cast(coalesce(sum(minutes) filter (where attendance = 'attended'), 0) as bigint)
        as attended_minutes_total,
    avg(minutes) filter (where attendance = 'attended') as mean_minutes_per_attended
from in_scope
group by mode
order by contact_count desc, mode
