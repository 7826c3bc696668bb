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

in_scope as (
    select patient_id, worker_id, triage_outcome, first_contact_date, discharge_date
    from facts
    where triage_outcome = 'accepted'
      and worker_id is not null
),

tallies as (
    select
        ww.month_start,
        ww.worker_id,
        count(distinct e.patient_id) filter (
            where is_active_on(e.triage_outcome, e.first_contact_date, e.discharge_date, ww.on_date)
        ) as active_count,
        count(distinct e.patient_id) filter (
            where e.first_contact_date <= ww.on_date
              and (e.discharge_date is null or e.discharge_date >= ww.window_start)
        ) as supported_12m_count
    from worker_windows as ww
    left join in_scope as e on e.worker_id = ww.worker_id
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
