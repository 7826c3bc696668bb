-- Wait from referral to first contact (macro wait_days) for referrals received in the period
-- that had a first contact by the report date: how many, the median and the 90th percentile
-- (linear interpolation, as R's default quantile), and the share seen within 28 days.
-- level: aggregate
-- statistics: median_wait_days, p90_wait_days per seen_count
-- percentages: within_28_days_pct = within_28_days_count / seen_count
with facts as (
    select practice_code, referral_date, condition, worker_id, first_contact_date
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

seen as (
    select wait_days(referral_date, first_contact_date) as wait_days
    from facts
    where referral_date between $start_date and $end_date
      and first_contact_date <= $report_date
)

select
    count(*) as seen_count,
    quantile_cont(wait_days, 0.5) as median_wait_days,
    quantile_cont(wait_days, 0.9) as p90_wait_days,
    count(*) filter (where wait_days <= 28) as within_28_days_count,
    100.0 * count(*) filter (where wait_days <= 28) / nullif(count(*), 0) as within_28_days_pct
from seen
