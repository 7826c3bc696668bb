-- Rebuilds goal_facts: every goal of a known referral (goals of a referral not in referrals
-- are left out, as the pages' joins left them out) with that referral's practice, condition
-- and link worker, stored in practice order, and the table macro scoped_goals that narrows
-- it to a viewer's scope by scoped_referrals' own filter. The goal queries of the Contacts
-- and action plans page and Data quality's completeness join 4.5M national goals to 2.7M
-- scoped referrals otherwise (0.4-0.9 s a query); the scope is then a filter on one table,
-- and a practice's page reads only its own row groups.
-- Per referral (its sources are marked "by referral", see wellpath.db.apply_derived).
-- scope: none
-- reads: goals, referrals
--
-- Columns: practice_code, condition, worker_id (the referral's), then goals' own columns,
-- then previous_domain_agreed_date and previous_agreed_date (see below).
create or replace table goal_facts as
with goals_src as (
    select goal_id, referral_id, domain, agreed_date, status, closed_date, barrier
    from (select * from goals /*by referral*/) as g
),

referrals_src as (
    select referral_id, practice_code, condition, worker_id
    from (select * from referrals /*by referral*/) as r
)

select
    r.practice_code,
    r.condition,
    r.worker_id,
    g.goal_id,
    g.referral_id,
    g.domain,
    g.agreed_date,
    g.status,
    g.closed_date,
    g.barrier,
    -- the agreed date of the referral's goal before this one, in the same domain and in any
    -- (by date, then goal_id; NULL for the first): a goal is its referral's first of a
    -- period (in the domain) when that date is before the period starts, so people with a
    -- goal in the period are a count of goals, not a distinct count (goal_domains_by_condition)
    lag(g.agreed_date) over (
        partition by g.referral_id, g.domain order by g.agreed_date, g.goal_id
    ) as previous_domain_agreed_date,
    lag(g.agreed_date) over (
        partition by g.referral_id order by g.agreed_date, g.goal_id
    ) as previous_agreed_date
from goals_src as g
inner join referrals_src as r on r.referral_id = g.referral_id
order by r.practice_code, g.agreed_date, g.goal_id;

-- scoped_goals(practice_codes, conditions, worker_ids): the goals of the referrals of
-- scoped_referrals(practice_codes, conditions, worker_ids), by the same filter on the
-- practice, condition and worker each goal carries; the same goals without a join.
create or replace macro scoped_goals(practice_codes, conditions, worker_ids) as table
    select *
    from goal_facts
    where practice_code in (select unnest(practice_codes))
      and (conditions is null or list_contains(conditions, condition))
      and (worker_ids is null or list_contains(worker_ids, worker_id));
