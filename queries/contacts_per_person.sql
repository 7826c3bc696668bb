-- Attended contacts per person over a whole episode, for the episodes discharged in the
-- period (finished episodes, so the count is complete), in bands, zero-filled, with the
-- number of episodes and their median number of attended contacts in every row.
-- level: aggregate
-- statistics: median_attended_contacts per completed_count
with facts as (
    select practice_code, condition, worker_id, triage_outcome, discharge_date,
        contacts_attended
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

bands as (
    select * from (
        values
            (1, 'None', 0, 1),
            (2, '1-2', 1, 3),
            (3, '3-5', 3, 6),
            (4, '6-12', 6, 13),
            (5, '13-18', 13, 19),
            (6, '19 or more', 19, 1000000)
    ) as b (band_order, contacts_band, from_contacts, to_contacts)
),

completed as (
    select contacts_attended
    from facts
    where triage_outcome = 'accepted'
      and discharge_date between $start_date and $end_date
),

summary as (
    select count(*) as completed_count, quantile_cont(contacts_attended, 0.5)
        as median_attended_contacts
    from completed
)

select
    b.band_order,
    b.contacts_band,
    b.from_contacts,
    b.to_contacts,
    count(c.contacts_attended) as person_count,
    any_value(s.completed_count) as completed_count,
    any_value(s.median_attended_contacts) as median_attended_contacts
from bands as b
cross join summary as s
left join completed as c
    on c.contacts_attended >= b.from_contacts and c.contacts_attended < b.to_contacts
group by b.band_order, b.contacts_band, b.from_contacts, b.to_contacts
order by b.band_order
