-- Referrals waiting on the report date for a first contact with a link worker, by how long
-- they have waited since referral (the bands of people_waiting_by_band) and by whether a
-- worker is named on the referral. Counts distinct people. Bands zero-filled.
-- allocation: 'named' | 'not_named'
-- level: aggregate
with facts as (
    select patient_id, worker_id, referral_date, triage_outcome, triage_date,
           first_contact_date, discharge_date
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

bands as (
    select * from (
        values
            (1, 'Under 2 weeks', 0, 14),
            (2, '2-4 weeks', 14, 28),
            (3, '4-8 weeks', 28, 56),
            (4, '8-13 weeks', 56, 91),
            (5, '13-18 weeks', 91, 126),
            (6, '18 weeks or more', 126, 1000000)
    ) as b (band_order, wait_band, from_days, to_days)
),

allocations as (
    select * from (values ('named'), ('not_named')) as a (allocation)
),

waiting as (
    select
        patient_id,
        case when worker_id is null then 'not_named' else 'named' end as allocation,
        wait_days(referral_date, $report_date) as days_waiting
    from facts
    where referral_date <= $report_date
      and (triage_outcome is null or triage_outcome = 'accepted' or triage_date > $report_date)
      and (first_contact_date is null or first_contact_date > $report_date)
      and (discharge_date is null or discharge_date > $report_date)
)

select
    b.band_order,
    b.wait_band,
    a.allocation,
    count(distinct w.patient_id) as person_count
from bands as b
cross join allocations as a
left join waiting as w
    on w.allocation = a.allocation
   and w.days_waiting >= b.from_days
   and w.days_waiting < b.to_days
group by b.band_order, b.wait_band, a.allocation
order by b.band_order, a.allocation
