-- Per link worker on the report date: distinct people on the active caseload (macro
-- is_active_on: accepted, first contact on or before the date, not discharged before it),
-- those of them with no attended contact for more than $days_without_contact days (since
-- their last attended contact on or before the date, or since their first contact when none
-- is recorded), and referrals waiting for a first contact with the worker named.
-- level: aggregate
with facts as (
    select referral_id, patient_id, worker_id, referral_date, triage_outcome, triage_date,
           first_contact_date, discharge_date, last_attended_contact_date, latest_contact_date,
           attended_contact_dates
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

workers_src as (
    select worker_id, display_name, fte, start_date, end_date
    from link_workers
    where ($worker_ids is null or list_contains($worker_ids, worker_id))
),

-- Days since the last attended contact by the report date: referral_facts' last attended
-- contact when the referral has no contact (of any attendance) after the report date,
-- otherwise the latest of its attended contact dates on or before it (none with the report
-- date today); since the first contact when there is none.
active as (
    select
        worker_id,
        patient_id,
        date_diff(
            'day',
            coalesce(
                case when coalesce(latest_contact_date <= $report_date, true)
                     then last_attended_contact_date
                     else list_max(list_filter(attended_contact_dates, d -> d <= $report_date))
                end,
                first_contact_date
            ),
            $report_date
        ) as days_since_contact
    from facts
    where is_active_on(triage_outcome, first_contact_date, discharge_date, $report_date)
),

waiting as (
    select worker_id, patient_id
    from facts
    where is_waiting_on(
        referral_date, triage_outcome, triage_date, first_contact_date, discharge_date,
        $report_date
    )
),

tallies as (
    select
        w.worker_id,
        count(distinct a.patient_id) as active_count,
        count(distinct a.patient_id) filter (
            where a.days_since_contact > $days_without_contact
        ) as not_contacted_count
    from workers_src as w
    left join active as a on a.worker_id = w.worker_id
    group by w.worker_id
),

waits as (
    select worker_id, count(distinct patient_id) as waiting_count
    from waiting
    group by worker_id
)

select
    w.worker_id,
    w.display_name,
    w.fte,
    coalesce(t.active_count, 0) as active_count,
    coalesce(t.not_contacted_count, 0) as not_contacted_count,
    coalesce(q.waiting_count, 0) as waiting_count
from workers_src as w
left join tallies as t using (worker_id)
left join waits as q using (worker_id)
where w.start_date <= $report_date
  and (w.end_date is null or w.end_date >= $report_date or coalesce(t.active_count, 0) > 0)
order by w.display_name
