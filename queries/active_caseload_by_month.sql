-- People on the active caseload at the end of each month of the period (the report date for
-- the last, part month), using the contract's definition (macro is_active_on: accepted, first
-- contact on or before the date, not discharged before it). A person is counted once.
--
-- How, without joining every episode to every month: the spine's dates never go down, so the
-- months an episode is active in run without a gap, from the first whose date is on or after
-- its first contact to the last whose date is on or before its discharge. Each person's runs
-- are merged where they overlap, so a person adds one to a month at most; each merged run adds
-- one at its first month and takes it away after its last, and the running sum is the count.
-- The answer is the join's, tested (tests/sql/reference/active_caseload_by_month_rows.sql,
-- tests/sql/test_caseload_rewrites.py).
-- level: aggregate
with facts as (
    select patient_id, triage_outcome, first_contact_date, discharge_date
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

months as (
    select
        month_start,
        on_date,
        cast(row_number() over (order by month_start) - 1 as integer) as month_index
    from month_spine($start_date, $end_date, $report_date)
),

spine as (
    select min(month_start) as first_month, count(*) as month_count from months
),

runs as (
    -- is_active_on on month i, whose date is least(last day of month i, report date): on or
    -- after the first contact from the month of the first contact (if by the report date);
    -- on or before the discharge up to the month before it (the month itself when the
    -- discharge is on its last day), or every month when not discharged by the report date
    select
        f.patient_id,
        case
            when f.first_contact_date > $report_date then s.month_count
            else greatest(0, date_diff('month', s.first_month, f.first_contact_date))
        end as first_index,
        case
            when f.discharge_date is null or f.discharge_date >= $report_date
                then s.month_count - 1
            else least(
                s.month_count - 1,
                date_diff('month', s.first_month, f.discharge_date)
                - case when f.discharge_date = last_day(f.discharge_date) then 0 else 1 end
            )
        end as last_index
    from facts as f
    cross join spine as s
    where f.triage_outcome = 'accepted'
      and f.first_contact_date is not null
),

open_runs as (
    select patient_id, first_index, last_index
    from runs
    where first_index <= last_index
      and patient_id is not null
),

several as (
    -- people with more than one accepted referral (derive_referral_repeat_people.sql): only
    -- theirs can need merging
    select patient_id from repeat_caseload_people
),

ordered as (
    select
        patient_id,
        first_index,
        last_index,
        max(last_index) over (
            partition by patient_id order by first_index, last_index
            rows between unbounded preceding and 1 preceding
        ) as reach_before
    from open_runs
    where patient_id in (select patient_id from several)
),

numbered as (
    select
        patient_id,
        first_index,
        last_index,
        sum(case when reach_before is null or first_index > reach_before then 1 else 0 end)
            over (
                partition by patient_id order by first_index, last_index
                rows unbounded preceding
            ) as island
    from ordered
),

islands as (
    select first_index, last_index
    from open_runs
    where patient_id not in (select patient_id from several)
    union all
    select min(first_index), max(last_index)
    from numbered
    group by patient_id, island
),

changes as (
    select first_index as month_index, count(*) as delta from islands group by 1
    union all
    select last_index + 1, -count(*) from islands group by 1
),

per_month as (
    select month_index, sum(delta) as delta from changes group by month_index
)

select
    m.month_start,
    m.on_date,
    cast(
        coalesce(sum(coalesce(c.delta, 0)) over (order by m.month_index), 0) as bigint
    ) as active_count
from months as m
left join per_month as c on c.month_index = m.month_index
order by m.month_start
