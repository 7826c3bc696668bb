-- Per link worker and month of the period: people on their active caseload at the month end
-- (report date for the last, part month), people they supported in the 12 months to that date
-- (on the caseload at any time in the window: first contact on or before its end, not
-- discharged before its start), and the safe range for those 12 months: the NHS Long Term
-- Plan's 200-250 people a year per full-time link worker, pro rata FTE and pro rata the days
-- of the window the worker was in post.
-- level: aggregate
with facts as (
    select
        patient_id, practice_code, condition, worker_id, triage_outcome, first_contact_date,
        discharge_date
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

workers_src as (
    select worker_id, display_name, job_role, fte, start_date, end_date
    from link_workers
),

months as (
    select month_start, on_date
    from month_spine($start_date, $end_date, $report_date)
),

windows as (
    select
        month_start,
        on_date,
        cast(on_date - interval 1 year + interval 1 day as date) as window_start
    from months
),

worker_windows as (
    select
        w.month_start,
        w.on_date,
        w.window_start,
        k.worker_id,
        k.display_name,
        k.fte,
        -- days in post within the window, over the days in the window
        greatest(
            date_diff(
                'day',
                greatest(k.start_date, w.window_start),
                least(coalesce(k.end_date, w.on_date), w.on_date)
            ) + 1,
            0
        ) / (date_diff('day', w.window_start, w.on_date) + 1) as share_of_year_in_post
    from windows as w
    cross join workers_src as k
    where ($worker_ids is null or list_contains($worker_ids, k.worker_id))
      and k.start_date <= w.on_date
      and (k.end_date is null or k.end_date >= w.window_start)
),

-- The months a worker's episode counts in run without a gap (the spine's dates and window
-- starts never go down): active from the first month whose date is on or after its first
-- contact to the last whose date is on or before its discharge; supported from the same month
-- to the last whose window starts on or before its discharge. Each person's runs with one
-- worker are merged where they overlap (a person counts once), and each merged run adds one
-- at its first month and takes it away after its last. The answer is the join of every
-- episode to every month's window (tests/sql/reference/worker_caseload_by_month_rows.sql,
-- tests/sql/test_caseload_rewrites.py), without its cost at 2,000 workers.
spine as (
    select min(month_start) as first_month, count(*) as month_count
    from windows
),

window_spine as (
    select list(window_start order by month_start) as window_starts
    from windows
),

month_index as (
    select month_start, cast(row_number() over (order by month_start) - 1 as integer) as i
    from windows
),

runs as (
    -- month i's date is least(last day of month i, report date): on or after the first
    -- contact from the month of the first contact (if by the report date); on or before the
    -- discharge up to the month before it (the month itself when the discharge is on its last
    -- day), or every month when not discharged by the report date
    select
        f.worker_id,
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
        end as last_active_index,
        case
            when f.discharge_date is null then s.month_count - 1
            else len(list_filter(w.window_starts, d -> d <= f.discharge_date)) - 1
        end as last_supported_index
    from facts as f
    cross join spine as s
    cross join window_spine as w
    where f.triage_outcome = 'accepted'
      and f.worker_id is not null
      and f.patient_id is not null
      and f.first_contact_date is not null
      and ($worker_ids is null or list_contains($worker_ids, f.worker_id))
),

open_runs as (
    -- every run open in some month; an active run is open wherever its supported run is
    -- (the same first month; a window starts before its month end)
    select
        worker_id, patient_id, first_index, last_active_index, last_supported_index
    from runs
    where first_index <= last_supported_index
),

several as (
    -- people with more than one accepted referral (derive_referral_repeat_people.sql): only
    -- theirs can need merging
    select patient_id from repeat_caseload_people
),

singles as (
    select * from open_runs where patient_id not in (select patient_id from several)
),

measured as (
    -- the people with several runs with a worker, one row per run and measure, to merge
    select worker_id, patient_id, 'active' as measure, first_index, last_active_index as last_index
    from open_runs
    where patient_id in (select patient_id from several)
      and first_index <= last_active_index
    union all
    select worker_id, patient_id, 'supported', first_index, last_supported_index
    from open_runs
    where patient_id in (select patient_id from several)
),

ordered as (
    select
        worker_id,
        patient_id,
        measure,
        first_index,
        last_index,
        max(last_index) over (
            partition by measure, worker_id, patient_id order by first_index, last_index
            rows between unbounded preceding and 1 preceding
        ) as reach_before
    from measured
),

numbered as (
    select
        worker_id,
        patient_id,
        measure,
        first_index,
        last_index,
        sum(case when reach_before is null or first_index > reach_before then 1 else 0 end)
            over (
                partition by measure, worker_id, patient_id order by first_index, last_index
                rows unbounded preceding
            ) as island
    from ordered
),

islands as (
    select
        worker_id,
        measure,
        min(first_index) as first_index,
        max(last_index) as last_index
    from numbered
    group by worker_id, patient_id, measure, island
),

changes as (
    -- each run adds one from its first month and takes it away after its last
    select
        worker_id,
        first_index as i,
        count(*) filter (where first_index <= last_active_index) as active_delta,
        count(*) as supported_delta
    from singles
    group by worker_id, first_index
    union all
    select worker_id, last_active_index + 1, -count(*), 0
    from singles
    where first_index <= last_active_index
    group by worker_id, last_active_index
    union all
    select worker_id, last_supported_index + 1, 0, -count(*)
    from singles
    group by worker_id, last_supported_index
    union all
    select
        worker_id,
        first_index,
        count(*) filter (where measure = 'active'),
        count(*) filter (where measure = 'supported')
    from islands
    group by worker_id, first_index
    union all
    select
        worker_id,
        last_index + 1,
        -count(*) filter (where measure = 'active'),
        -count(*) filter (where measure = 'supported')
    from islands
    group by worker_id, last_index
),

tallies as (
    select
        ww.month_start,
        ww.worker_id,
        cast(coalesce(sum(c.active_delta), 0) as bigint) as active_count,
        cast(coalesce(sum(c.supported_delta), 0) as bigint) as supported_12m_count
    from worker_windows as ww
    join month_index as mi on mi.month_start = ww.month_start
    left join changes as c on c.worker_id = ww.worker_id and c.i <= mi.i
    group by ww.month_start, ww.worker_id
)

select
    ww.month_start,
    ww.on_date,
    ww.worker_id,
    ww.display_name,
    ww.fte,
    t.active_count,
    t.supported_12m_count,
    200 * ww.fte * ww.share_of_year_in_post as safe_caseload_low_people,
    250 * ww.fte * ww.share_of_year_in_post as safe_caseload_high_people
from worker_windows as ww
join tallies as t on t.month_start = ww.month_start and t.worker_id = ww.worker_id
order by ww.display_name, ww.month_start
