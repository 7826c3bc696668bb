-- Consistency checks worth a programme lead's attention, one row per check: how many
-- referrals each check looks at and how many it flags. The checks are the table macro
-- referral_check_flags (queries/derive_table_macros_quality.sql: the checks of
-- consistency_checks, derive_macros_quality.sql, one row per referral with a population and
-- a flag column per check), described in wellpath/quality.py (CHECKS);
-- dq_consistency_referrals lists the referrals behind each count from the same macro.
-- Eligibility: $min_age, $min_symptom_months, $max_symptom_months from
-- wellpath.contract.eligibility_params.
-- level: aggregate
-- percentages: flagged_pct = flagged_count / population_count
with flags as (
    select *
    from referral_check_flags(
        $practice_codes, $conditions, $worker_ids, $start_date, $end_date, $report_date,
        $min_age, $min_symptom_months, $max_symptom_months
    )
),

counted as (
    select
        count_if(in_1) as in_1, count_if(flag_1) as flag_1,
        count_if(in_2) as in_2, count_if(flag_2) as flag_2,
        count_if(in_3) as in_3, count_if(flag_3) as flag_3,
        count_if(in_4) as in_4, count_if(flag_4) as flag_4,
        count_if(in_5) as in_5, count_if(flag_5) as flag_5,
        count_if(in_6) as in_6, count_if(flag_6) as flag_6,
        count_if(in_7) as in_7, count_if(flag_7) as flag_7,
        count_if(in_8) as in_8, count_if(flag_8) as flag_8,
        count_if(in_9) as in_9, count_if(flag_9) as flag_9,
        count_if(in_10) as in_10, count_if(flag_10) as flag_10,
        count_if(in_11) as in_11, count_if(flag_11) as flag_11,
        count(*) as referral_count
    from flags
),

checks as (
    select * from (
        values
            (1, 'accepted_no_worker'),
            (2, 'awaiting_triage_over_14_days'),
            (3, 'waiting_first_contact_over_42_days'),
            (4, 'open_no_contact_90_days'),
            (5, 'no_action_plan_after_8_weeks'),
            (6, 'attended_but_no_first_contact_date'),
            (7, 'attended_before_first_contact_date'),
            (8, 'contact_after_discharge'),
            (9, 'action_plan_without_first_contact'),
            (10, 'record_before_referral'),
            (11, 'accepted_outside_eligibility')
    ) as t (check_order, check_id)
),

-- One row per check (none at all when no referral is in scope, as before).
per_check as (
    select
        k.check_order,
        k.check_id,
        [c.in_1, c.in_2, c.in_3, c.in_4, c.in_5, c.in_6, c.in_7, c.in_8, c.in_9, c.in_10,
         c.in_11][k.check_order] as population_count,
        [c.flag_1, c.flag_2, c.flag_3, c.flag_4, c.flag_5, c.flag_6, c.flag_7, c.flag_8,
         c.flag_9, c.flag_10, c.flag_11][k.check_order] as flagged_count
    from checks as k
    cross join counted as c
    where c.referral_count > 0
)

select
    check_order,
    check_id,
    population_count::bigint as population_count,
    flagged_count::bigint as flagged_count,
    round(100.0 * flagged_count / nullif(population_count, 0), 1) as flagged_pct
from per_check
order by check_order
