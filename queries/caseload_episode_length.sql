-- The mean length of caseload episodes (macro caseload_days, in months of 30.4375 days)
-- that ended in the 12 months to the report date: the "months on the caseload" that turns
-- an annual caseload figure into a point-in-time one (Little's law).
-- level: aggregate
-- statistics: mean_episode_months per episode_count
with facts as (
    select first_contact_date, triage_date, discharge_date
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
    where triage_outcome = 'accepted'
      and first_contact_date is not null
      and discharge_date > cast($report_date - interval 1 year as date)
      and discharge_date <= $report_date
)

select
    count(*) as episode_count,
    avg(days_to_months(caseload_days(first_contact_date, triage_date, discharge_date,
                                     $report_date))) as mean_episode_months
from facts
