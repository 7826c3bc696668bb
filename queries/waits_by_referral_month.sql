-- Wait from referral to first contact (macro wait_days) by calendar month of referral, for
-- referrals received in the period: how many were referred, how many had a first contact by
-- the report date, the median and 90th percentile wait of those (linear interpolation, as R's
-- default quantile), and how many are still waiting for one (not yet triaged, or accepted
-- without a first contact, and not closed). Recent months look quicker than they are until
-- the people still waiting are seen: read them with still_waiting_count.
-- level: aggregate
-- statistics: median_wait_days, p90_wait_days per seen_count
with facts as (
    select
        practice_code, referral_date, referral_month, condition, worker_id, triage_outcome,
        triage_date, first_contact_date, discharge_date
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

months as (
    select month_start, is_whole_month
    from month_spine($start_date, $end_date, $report_date)
),

in_scope as (
    select
        referral_month,
        case
            when first_contact_date <= $report_date
                then wait_days(referral_date, first_contact_date)
        end as seen_wait_days,
        first_contact_date is null or first_contact_date > $report_date as no_contact_yet,
        coalesce(
            triage_outcome is null
            or triage_date > $report_date
            or triage_outcome = 'accepted',
            true
        ) as is_open_referral,
        coalesce(discharge_date <= $report_date, false) as was_discharged
    from facts
    where referral_date between $start_date and $end_date
),

monthly as (
    select
        referral_month,
        count(*) as referral_count,
        count(seen_wait_days) as seen_count,
        quantile_cont(seen_wait_days, 0.5) as median_wait_days,
        quantile_cont(seen_wait_days, 0.9) as p90_wait_days,
        count(*) filter (
            where no_contact_yet and is_open_referral and not was_discharged
        ) as still_waiting_count
    from in_scope
    group by referral_month
)

select
    m.month_start,
    m.is_whole_month,
    coalesce(w.referral_count, 0) as referral_count,
    coalesce(w.seen_count, 0) as seen_count,
    w.median_wait_days,
    w.p90_wait_days,
    coalesce(w.still_waiting_count, 0) as still_waiting_count
from months as m
left join monthly as w on w.referral_month = m.month_start
order by m.month_start
