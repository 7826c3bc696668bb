-- Time on caseload, counted: accepted episodes whose caseload started on or after
-- $cohort_from_date (NULL: since the service began) and by the end of the period, as they
-- stood on the report date (macro caseload_days: first contact, or triage date when there was
-- no contact, to discharge; open episodes run to the report date and are censored), as the
-- number of episodes per group, length in days and ended, for a Kaplan-Meier estimate
-- (stats.kaplan_meier_arrays with counts: the same estimate as one row per episode).
-- $group_by: 'practice' (group_key is the practice code), 'condition' (the condition; NULL
-- when not recorded) or anything else, such as 'all' (one group: group_key NULL).
-- is_ended: discharged on or before the report date (an event); otherwise censored.
-- episodes: exact numbers of episodes (not named *_count, so that disclosure control does
-- not round them: they feed statistics, and km_summary protects what it returns).
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
        case $group_by
            when 'practice' then practice_code
            when 'condition' then condition
        end as group_key,
        caseload_start_date(first_contact_then, triage_date) as start_date,
        caseload_days(first_contact_then, triage_date, discharge_then, $report_date)
            as caseload_days,
        discharge_then is not null as is_ended
    from as_at_report
)

select group_key, caseload_days, is_ended, count(*) as episodes
from episodes
where ($cohort_from_date is null or start_date >= $cohort_from_date)
  and start_date <= $end_date
  and caseload_days >= 0
group by all
-- The estimate does not depend on the order; in this one (the groups' sorted order, as
-- km_summary codes them) stats.kaplan_meier_arrays need not sort 1.6M national rows again.
order by group_key, caseload_days, is_ended
