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
    select * from wait_bands()
),

statuses as (
    select * from (values ('triage'), ('first_contact')) as s (waiting_for)
),

waiting as (
    select
        waiting_for_on(triage_outcome, triage_date, $report_date) as waiting_for,
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
