-- Which action-plan domains people choose, by condition: for referrals with a goal agreed in
-- the period, how many people (referrals) per condition had at least one goal in each domain,
-- out of the people with any goal agreed in the period for that condition (chosen_pct: a plan
-- often has goals in several domains, so these add up to more than 100% across a condition);
-- and the goals themselves: goal_count in the domain out of condition_goal_count, all the
-- goals agreed for that condition (goal_share_pct: adds up to 100% across a condition).
-- level: aggregate
-- percentages: chosen_pct = person_count / plan_count; goal_share_pct = goal_count / condition_goal_count
with goals_src as (
    select referral_id, domain, agreed_date from goals
),

facts as (
    select referral_id, practice_code, condition, worker_id
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

goals_in_scope as (
    select g.referral_id, f.condition, g.domain
    from goals_src as g
    join facts as f on f.referral_id = g.referral_id
    where g.agreed_date between $start_date and $end_date
),

in_scope as (
    select distinct referral_id, condition, domain from goals_in_scope
),

goal_tallies as (
    select condition, domain, count(*) as goal_count
    from goals_in_scope
    group by condition, domain
),

condition_goals as (
    select condition, count(*) as condition_goal_count
    from goals_in_scope
    group by condition
),

plans as (
    select condition, count(distinct referral_id) as plan_count
    from in_scope
    group by condition
),

chosen as (
    select condition, domain, count(distinct referral_id) as person_count
    from in_scope
    group by condition, domain
)

select
    c.condition,
    c.domain,
    c.person_count,
    p.plan_count,
    100.0 * c.person_count / nullif(p.plan_count, 0) as chosen_pct,
    t.goal_count,
    g.condition_goal_count,
    100.0 * t.goal_count / nullif(g.condition_goal_count, 0) as goal_share_pct
from chosen as c
join plans as p on p.condition is not distinct from c.condition
join goal_tallies as t
    on t.condition is not distinct from c.condition and t.domain is not distinct from c.domain
join condition_goals as g on g.condition is not distinct from c.condition
order by c.condition, c.domain
