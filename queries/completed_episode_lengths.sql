-- Length of the episodes discharged in the period (macro caseload_days, in months via
-- days_to_months), in bands, zero-filled. Finished episodes only: on their own they
-- understate how long people stay, so the page leads with the Kaplan-Meier estimate.
-- level: aggregate
with facts as (
    select
        practice_code, condition, worker_id, triage_outcome, triage_date, first_contact_date,
        discharge_date
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

bands as (
    select * from (
        values
            (1, '0-3 months', 0.0, 3.0),
            (2, '3-6 months', 3.0, 6.0),
            (3, '6-9 months', 6.0, 9.0),
            (4, '9-12 months', 9.0, 12.0),
            (5, '12-18 months', 12.0, 18.0),
            (6, '18-24 months', 18.0, 24.0),
            (7, '24 months or more', 24.0, 1e9)
    ) as b (band_order, length_band, from_months, to_months)
),

completed as (
    select
        days_to_months(
            caseload_days(first_contact_date, triage_date, discharge_date, $report_date)
        ) as caseload_months
    from facts
    where triage_outcome = 'accepted'
      and discharge_date between $start_date and $end_date
      and caseload_start_date(first_contact_date, triage_date) is not null
),

lengths as (
    -- one row per distinct length, so the range join to the bands is over a few hundred rows
    select caseload_months, count(*) as episodes
    from completed
    where caseload_months is not null
    group by caseload_months
)

select
    b.band_order,
    b.length_band,
    b.from_months,
    b.to_months,
    coalesce(sum(c.episodes), 0)::bigint as episode_count
from bands as b
left join lengths as c
    on c.caseload_months >= b.from_months and c.caseload_months < b.to_months
group by b.band_order, b.length_band, b.from_months, b.to_months
order by b.band_order
