-- Which action-plan domains people choose, by condition: for referrals with a goal agreed in
-- the period, how many people (referrals) per condition had at least one goal in each domain,
-- out of the people with any goal agreed in the period for that condition.
-- level: aggregate
-- percentages: chosen_pct = person_count / plan_count
with goals_src as (
    select referral_id, domain, agreed_date from goals
),

facts as (
    select referral_id, practice_code, condition, worker_id from referral_facts
),

in_scope as (
    select distinct g.referral_id, f.condition, g.domain
    from goals_src as g
    join facts as f on f.referral_id = g.referral_id
    where f.practice_code in (select unnest($practice_codes))
      and ($conditions is null or list_contains($conditions, f.condition))
      and ($worker_ids is null or list_contains($worker_ids, f.worker_id))
      and g.agreed_date between $start_date and $end_date
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
    100.0 * c.person_count / nullif(p.plan_count, 0) as chosen_pct
from chosen as c
join plans as p on p.condition is not distinct from c.condition
order by c.condition, c.domain
