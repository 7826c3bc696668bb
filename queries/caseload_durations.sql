-- Time on caseload, one row per accepted episode whose caseload started on or after
-- $cohort_from_date (NULL: since the service began) and by the end of the period, as it
-- stood on the report date (macro caseload_days: first contact, or triage date when there was
-- no contact, to discharge; open episodes run to the report date and are censored), for a
-- Kaplan-Meier estimate. No pseudonym: rows feed statistics computed in Python.
-- is_ended: discharged on or before the report date (an event); otherwise censored.
-- level: person
with facts as (
    select
        practice_code, condition, worker_id, triage_outcome, triage_date, first_contact_date,
        discharge_date
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

as_at_report as (
    select
        practice_code,
        condition,
        case when first_contact_date <= $report_date then first_contact_date end
            as first_contact_then,
        triage_date,
        case when discharge_date <= $report_date then discharge_date end as discharge_then
    from facts
    where triage_outcome = 'accepted'
      and (triage_date is null or triage_date <= $report_date)
),

episodes as (
    select
        practice_code,
        condition,
        caseload_start_date(first_contact_then, triage_date) as start_date,
        caseload_days(first_contact_then, triage_date, discharge_then, $report_date)
            as caseload_days,
        discharge_then is not null as is_ended
    from as_at_report
)

select practice_code, condition, caseload_days, is_ended
from episodes
where ($cohort_from_date is null or start_date >= $cohort_from_date)
  and start_date <= $end_date
  and caseload_days >= 0
-- in no particular order: a Kaplan-Meier estimate does not depend on it, and sorting the
-- 2 million episodes of a national programme took 2.4 s of the Caseload page
