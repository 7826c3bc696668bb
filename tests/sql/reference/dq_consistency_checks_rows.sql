-- Consistency checks worth a programme lead's attention, one row per check: how many
-- referrals each check looks at and how many it flags. The checks are the table macro
-- consistency_checks (queries/derive_macros_quality.sql), described in wellpath/quality.py
-- (CHECKS); dq_consistency_referrals lists the referrals behind each count from the same
-- macro. Eligibility: $min_age, $min_symptom_months, $max_symptom_months from
-- wellpath.contract.eligibility_params.
-- level: aggregate
-- percentages: flagged_pct = flagged_count / population_count
with checks as (
    select check_order, check_id, in_population, flagged
    from consistency_checks(
        (select list(referral_id) from scoped_referrals($practice_codes, $conditions, $worker_ids)),
        $start_date, $end_date, $report_date,
        $min_age, $min_symptom_months, $max_symptom_months
    )
)

select
    check_order,
    check_id,
    count_if(in_population)::bigint as population_count,
    count_if(flagged)::bigint as flagged_count,
    round(100.0 * count_if(flagged) / nullif(count_if(in_population), 0), 1) as flagged_pct
from checks
group by check_order, check_id
order by check_order
