-- People waiting on the report date, by how long they have waited since referral (macro
-- wait_days to the report date) and what they wait for: triage, or a first contact after
-- being accepted. Not restricted to referrals made in the period: it is the waiting list as
-- it stood at the end of it. Bands zero-filled.
-- waiting_for: 'triage' | 'first_contact'
-- level: aggregate
with facts as (
    select
        patient_id, practice_code, referral_date, condition, worker_id, triage_outcome,
        triage_date, first_contact_date, discharge_date
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

statuses as (
    select * from (values ('triage'), ('first_contact')) as s (waiting_for)
),

waiting as (
    select
        case
            when triage_outcome is null or triage_date > $report_date then 'triage'
            else 'first_contact'
        end as waiting_for,
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
    s.waiting_for,
    count(w.days_waiting) as person_count,
    -- the whole waiting list, counted directly (rounded on its own when publishable, so a
    -- band of 1-7 people does not drop out of the headline: docs/methods.md, Disclosure)
    (select count(*) from waiting) as waiting_total_count
from bands as b
cross join statuses as s
left join waiting as w
    on w.waiting_for = s.waiting_for
   and w.days_waiting >= b.from_days
   and w.days_waiting < b.to_days
group by b.band_order, b.wait_band, s.waiting_for
order by b.band_order, s.waiting_for
