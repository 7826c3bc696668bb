-- Which action-plan domains people choose, by condition: for referrals with a goal agreed in
-- the period, how many people (referrals) per condition had at least one goal in each domain,
-- out of the people with any goal agreed in the period for that condition (chosen_pct: a plan
-- often has goals in several domains, so these add up to more than 100% across a condition);
-- and the goals themselves: goal_count in the domain out of condition_goal_count, all the
-- goals agreed for that condition (goal_share_pct: adds up to 100% across a condition).
-- level: aggregate
-- percentages: chosen_pct = person_count / plan_count; goal_share_pct = goal_count / condition_goal_count
-- The scope's goals carry their referral's practice, condition and worker (goal_facts, macro
-- scoped_goals): a filter, not a join with the referrals.
-- A person is counted once in a domain (and once in their condition's plans) by their first
-- goal of the period there: the goal whose previous one (previous_domain_agreed_date,
-- previous_agreed_date, built at import) is before the period or missing. Counts of goals,
-- not distinct counts of referrals over 2.2M national goals.
with goals_src as (
    select
        condition,
        domain,
        coalesce(previous_domain_agreed_date < $start_date, true) as is_first_in_domain,
        coalesce(previous_agreed_date < $start_date, true) as is_first_in_plan
    from scoped_goals($practice_codes, $conditions, $worker_ids)
    where agreed_date between $start_date and $end_date
),

per_domain as (
    select
        condition,
        domain,
        count_if(is_first_in_domain)::bigint as person_count,
        count_if(is_first_in_plan)::bigint as first_goal_count,
        count(*)::bigint as goal_count
    from goals_src
    group by condition, domain
),

plans as (
    select
        condition,
        sum(first_goal_count)::bigint as plan_count,
        sum(goal_count)::bigint as condition_goal_count
    from per_domain
    group by condition
)

select
    c.condition,
    c.domain,
    c.person_count,
    p.plan_count,
    100.0 * c.person_count / nullif(p.plan_count, 0) as chosen_pct,
    c.goal_count,
    p.condition_goal_count,
    100.0 * c.goal_count / nullif(p.condition_goal_count, 0) as goal_share_pct
from per_domain as c
join plans as p on p.condition is not distinct from c.condition
order by c.condition, c.domain
