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
    select * from wait_bands()
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
    where is_waiting_on(
        referral_date, triage_outcome, triage_date, first_contact_date, discharge_date,
        $report_date
    )
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
