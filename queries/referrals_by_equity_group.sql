-- Referrals in the period by age band at referral, sex, ethnic group and IMD quintile
-- (1 = most deprived fifth; from the patient's decile), with how many were accepted and, of
-- those, how many engaged (an attended contact) by the report date. The data contract holds
-- only practices' total list sizes, so no population denominator exists for these groups.
-- dimension: 'age_band' | 'sex' | 'ethnic_group' | 'imd_quintile'; category NULL = not recorded.
-- level: aggregate
-- percentages: accepted_pct = accepted_count / referral_count; engaged_pct = engaged_count / accepted_count
with facts as (
    select
        practice_code, referral_date, condition, worker_id, triage_outcome, triage_date,
        first_attended_contact_date, age_band, sex, ethnic_group, imd_quintile
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

in_scope as (
    select
        age_band,
        sex,
        ethnic_group,
        cast(imd_quintile as varchar) as imd_quintile,
        -- accepted as at the report date (an acceptance dated later has not happened yet)
        coalesce(
            triage_outcome = 'accepted' and (triage_date is null or triage_date <= $report_date),
            false
        ) as is_accepted,
        coalesce(
            triage_outcome = 'accepted' and first_attended_contact_date <= $report_date, false
        ) as is_engaged_then
    from facts
    where referral_date between $start_date and $end_date
),

grouped as (
    select
        case
            when grouping(age_band) = 0 then 'age_band'
            when grouping(sex) = 0 then 'sex'
            when grouping(ethnic_group) = 0 then 'ethnic_group'
            else 'imd_quintile'
        end as dimension,
        coalesce(age_band, sex, ethnic_group, imd_quintile) as category,
        count(*) as referral_count,
        count(*) filter (where is_accepted) as accepted_count,
        count(*) filter (where is_engaged_then) as engaged_count
    from in_scope
    group by grouping sets ((age_band), (sex), (ethnic_group), (imd_quintile))
)

select
    dimension,
    category,
    referral_count,
    accepted_count,
    engaged_count,
    100.0 * accepted_count / nullif(referral_count, 0) as accepted_pct,
    100.0 * engaged_count / nullif(accepted_count, 0) as engaged_pct
from grouped
order by dimension, category nulls last
