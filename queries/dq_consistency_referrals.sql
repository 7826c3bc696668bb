-- The referrals flagged by the consistency checks, one row per referral and check, with
-- what a programme lead needs to find and fix the record (pseudonyms only). From the table
-- macro referral_check_flags, as dq_consistency_checks counts them.
-- level: identifiable
with flags as (
    select *
    from referral_check_flags(
        $practice_codes, $conditions, $worker_ids, $start_date, $end_date, $report_date,
        $min_age, $min_symptom_months, $max_symptom_months
    )
    -- the macro reads the scope's referrals only (scoped_referrals, access.SCOPED_MACROS)
    where (flag_1 or flag_2 or flag_3 or flag_4 or flag_5 or flag_6 or flag_7 or flag_8
       or flag_9 or flag_10 or flag_11)
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
)

select
    k.check_order,
    k.check_id,
    f.referral_id,
    f.patient_id,
    f.practice_code,
    f.worker_id,
    f.referral_date,
    f.triage_outcome,
    f.first_contact_date,
    f.last_contact_date,
    f.discharge_date
from flags as f
inner join checks as k
    on [f.flag_1, f.flag_2, f.flag_3, f.flag_4, f.flag_5, f.flag_6, f.flag_7, f.flag_8,
        f.flag_9, f.flag_10, f.flag_11][k.check_order]
order by k.check_order, f.practice_code, f.referral_date, f.referral_id
