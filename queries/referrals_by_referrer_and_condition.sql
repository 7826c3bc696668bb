-- Referrals in the period by referrer role and by condition, for the whole period (one row
-- per dimension and category), with each category's share of all referrals in the selection.
-- Counted directly rather than added up from quarterly cells, so a publishable view shows
-- every category's own rounded count and a share from rounded parts (docs/methods.md,
-- Disclosure). A blank referrer role or condition is returned as NULL.
-- level: aggregate
-- percentages: share_pct = referral_count / total_referral_count
with facts as (
    select practice_code, referral_date, referrer_role, condition, worker_id
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

in_scope as (
    select referrer_role, condition
    from facts
    where referral_date between $start_date and $end_date
),

by_category as (
    select 'referrer_role' as dimension, referrer_role as category, count(*) as referral_count
    from in_scope
    group by referrer_role
    union all
    select 'condition' as dimension, condition as category, count(*) as referral_count
    from in_scope
    group by condition
),

total as (
    select count(*) as total_referral_count from in_scope
)

select
    b.dimension,
    b.category,
    b.referral_count,
    t.total_referral_count,
    100.0 * b.referral_count / nullif(t.total_referral_count, 0) as share_pct
from by_category as b
cross join total as t
order by b.dimension, b.referral_count desc, b.category
