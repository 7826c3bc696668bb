-- Reference: unmet_goals as it was before goal_facts (goals joined to scoped_referrals),
-- for tests/sql/test_contact_months.py.
-- Goals that closed in the period not achieved, partly achieved or withdrawn (the statuses in
-- $statuses), counted by two dimensions, $rows_by and $columns_by, each one of: barrier
-- (NULL = not recorded), domain, pcn (the referring practice's PCN name, else its code,
-- else 'No PCN recorded'), quarter (calendar quarter of closing: its first day, ISO), status,
-- or 'all' (a single column). A goal is placed in the quarter it closed. One row per
-- non-empty cell; the caller lays them out and adds totals from the published cells.
-- level: aggregate
with goals_src as (
    select referral_id, domain, status, closed_date, barrier
    from goals
),

facts as (
    select referral_id, practice_code
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

practices_src as (
    select practice_code, coalesce(pcn_name, pcn_code, 'No PCN recorded') as pcn
    from practices
),

in_scope as (
    select
        g.barrier,
        g.domain,
        g.status,
        p.pcn,
        strftime(date_trunc('quarter', g.closed_date), '%Y-%m-%d') as quarter
    from goals_src as g
    join facts as f on f.referral_id = g.referral_id
    join practices_src as p on p.practice_code = f.practice_code
    where g.closed_date between $start_date and $end_date
      and list_contains($statuses, g.status)
),

keyed as (
    select
        case $rows_by
            when 'barrier' then barrier
            when 'domain' then domain
            when 'pcn' then pcn
            when 'quarter' then quarter
            when 'status' then status
            else 'all'
        end as row_key,
        case $columns_by
            when 'barrier' then barrier
            when 'domain' then domain
            when 'pcn' then pcn
            when 'quarter' then quarter
            when 'status' then status
            else 'all'
        end as column_key
    from in_scope
)

select row_key, column_key, count(*) as goal_count
from keyed
group by row_key, column_key
order by row_key nulls last, column_key nulls last
