-- Per practice, people on the active caseload on the report date (macro is_active_on) and how
-- many of them have been on it for more than 18 months (macros caseload_days, days_to_months).
-- level: aggregate
-- percentages: over_18_months_pct = over_18_months_count / active_count
with facts as (
    select
        patient_id, practice_code, condition, worker_id, triage_outcome, triage_date,
        first_contact_date, discharge_date
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

practices_src as (
    select practice_code, practice_name from practices
),

active as (
    select
        practice_code,
        patient_id,
        days_to_months(caseload_days(first_contact_date, triage_date, null, $report_date))
            as caseload_months
    from facts
    where is_active_on(triage_outcome, first_contact_date, discharge_date, $report_date)
),

per_practice as (
    select
        practice_code,
        count(distinct patient_id) as active_count,
        count(distinct patient_id) filter (where caseload_months > 18) as over_18_months_count
    from active
    group by practice_code
)

select
    c.practice_code,
    p.practice_name,
    c.active_count,
    c.over_18_months_count,
    100.0 * c.over_18_months_count / nullif(c.active_count, 0) as over_18_months_pct
from per_practice as c
left join practices_src as p on p.practice_code = c.practice_code
order by c.practice_code
