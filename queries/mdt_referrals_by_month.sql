-- Referrals from the chosen practice per calendar month, from $from_date to the meeting
-- date, with how many were accepted (as known on the meeting date). Months with no
-- referrals are listed with 0, so the chart shows gaps honestly. is_whole_month is false
-- for the meeting's own month when the meeting is before its last day (month_spine).
-- level: aggregate
with referrals_src as (
    select practice_code, referral_date, triage_date, triage_outcome
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

practice_referrals as (
    select
        date_trunc('month', referral_date) as month_start_date,
        case when coalesce(triage_date, referral_date) <= $meeting_date
            then triage_outcome end as triage_outcome
    from referrals_src
    where practice_code = $practice_code
      and referral_date between $from_date and $meeting_date
),

months as (
    select month_start as month_start_date, is_whole_month
    from month_spine(
        cast($from_date as date), cast($meeting_date as date), cast($meeting_date as date)
    )
),

per_month as (
    select
        month_start_date,
        count(*) as referral_count,
        count(*) filter (where triage_outcome = 'accepted') as accepted_count
    from practice_referrals
    group by month_start_date
)

select
    m.month_start_date,
    m.is_whole_month,
    coalesce(p.referral_count, 0) as referral_count,
    coalesce(p.accepted_count, 0) as accepted_count
from months as m
left join per_month as p on p.month_start_date = m.month_start_date
order by m.month_start_date
