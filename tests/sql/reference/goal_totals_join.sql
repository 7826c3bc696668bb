-- Reference: goal_totals as it was before goal_facts (goals joined to scoped_referrals),
-- for tests/sql/test_contact_months.py.
-- Action-plan goals agreed in the period for the whole selection, in one row, as they stood
-- on the report date: agreed, closed (any status but open, closed on or before the report
-- date), achieved, partly achieved and the share of closed goals achieved. Counted directly
-- (the same rules as goals_by_domain.sql), so a publishable share uses the selection's own
-- rounded totals rather than adding up per-domain cells (docs/methods.md, Disclosure).
-- level: aggregate
-- percentages: achieved_pct = achieved_count / closed_count
with goals_src as (
    select referral_id, agreed_date, status, closed_date from goals
),

facts as (
    select referral_id, practice_code, condition, worker_id
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

in_scope as (
    select
        goal_status_on(g.status, g.closed_date, $report_date) as status_then
    from goals_src as g
    join facts as f on f.referral_id = g.referral_id
    where g.agreed_date between $start_date and $end_date
),

totals as (
    select
        count(*) as goal_count,
        count(*) filter (where status_then <> 'open') as closed_count,
        count(*) filter (where status_then = 'achieved') as achieved_count,
        count(*) filter (where status_then = 'partly_achieved') as partly_achieved_count
    from in_scope
)

select
    goal_count,
    closed_count,
    achieved_count,
    partly_achieved_count,
    100.0 * achieved_count / nullif(closed_count, 0) as achieved_pct
from totals
