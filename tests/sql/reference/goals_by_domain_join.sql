-- Reference: goals_by_domain as it was before goal_facts (goals joined to scoped_referrals),
-- for tests/sql/test_contact_months.py.
-- Action-plan goals agreed in the period by domain, as they stood on the report date:
-- agreed, closed (any status but open, closed on or before the report date), achieved,
-- partly achieved, the share of closed goals achieved, and the median days from agreeing to
-- achieving an achieved goal. A goal closed after the report date was still open then.
-- level: aggregate
-- statistics: median_days_to_achieve per achieved_count
-- percentages: achieved_pct = achieved_count / closed_count
with goals_src as (
    select referral_id, domain, agreed_date, status, closed_date from goals
),

facts as (
    select referral_id, practice_code, condition, worker_id
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

in_scope as (
    select
        g.domain,
        g.agreed_date,
        goal_status_on(g.status, g.closed_date, $report_date) as status_then,
        g.closed_date
    from goals_src as g
    join facts as f on f.referral_id = g.referral_id
    where g.agreed_date between $start_date and $end_date
),

per_domain as (
    select
        domain,
        count(*) as goal_count,
        count(*) filter (where status_then <> 'open') as closed_count,
        count(*) filter (where status_then = 'achieved') as achieved_count,
        count(*) filter (where status_then = 'partly_achieved') as partly_achieved_count,
        quantile_cont(date_diff('day', agreed_date, closed_date), 0.5)
            filter (where status_then = 'achieved') as median_days_to_achieve
    from in_scope
    group by domain
)

select
    domain,
    goal_count,
    closed_count,
    achieved_count,
    partly_achieved_count,
    100.0 * achieved_count / nullif(closed_count, 0) as achieved_pct,
    median_days_to_achieve
from per_domain
order by goal_count desc, domain
