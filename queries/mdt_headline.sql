-- The MDT headline for the chosen practice and for the service as a whole (every practice
-- in $practice_codes), from the same rows and rules: two rows, area = 'practice' | 'service'.
-- As on the meeting date: referred this quarter (financial-year quarter holding the meeting
-- date, $quarter_start_date to the meeting) and since the start; awaiting triage; waiting
-- (accepted, not yet seen; the Overview's definition); people on the caseload (distinct
-- patients with an active referral, is_active_on, as Overview counts them);
-- discharged since the start; median wait of people first seen from $wait_from_date to the
-- meeting; paired PSEQ change so far (the baseline against the latest follow-up by the
-- meeting, per referral: Outcomes' pairs, with the meeting date as the report date).
-- level: aggregate
-- statistics: median_wait_days per first_contact_count; pseq_mean_change_points, pseq_mean_baseline_points, pseq_mean_latest_points per pseq_pair_count
with in_scope as (
    select
        practice_code, referral_id, patient_id, referral_date, triage_date, triage_outcome,
        first_contact_date, discharge_date
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
    where referral_date <= $meeting_date
),

-- The pairs as Outcomes makes them (macro scoped_pair_candidates, the latest follow-up as a
-- filter: docs/methods.md "Pairs"), with the meeting date as the report date: the candidate
-- follow-up dated on or before it whose next candidate is not.
pseq_pairs as (
    select referral_id, baseline_score, follow_up_score as latest_score
    from scoped_pair_candidates($practice_codes, $conditions, $worker_ids)
    where measure = 'PSEQ'
      and follow_up_date <= $meeting_date
      and (next_follow_up_date is null or next_follow_up_date > $meeting_date)
),

-- Every referral counts towards the service; the chosen practice's also towards 'practice'.
areas as (
    select 'service' as area, * from in_scope
    union all
    select 'practice' as area, * from in_scope where practice_code = $practice_code
),

-- Blank out what had not happened by the meeting date (as mdt_people does).
as_at_meeting as (
    select
        area,
        referral_id,
        patient_id,
        referral_date,
        case when coalesce(triage_date, referral_date) <= $meeting_date
            then triage_outcome end as triage_outcome,
        case when first_contact_date <= $meeting_date then first_contact_date end
            as first_contact_date,
        case when discharge_date <= $meeting_date then discharge_date end as discharge_date
    from areas
),

per_area as (
    select
        a.area,
        count(*) filter (where a.referral_date >= $quarter_start_date) as referred_quarter_count,
        count(*) as referred_total_count,
        count(*) filter (where a.triage_outcome is null and a.discharge_date is null)
            as awaiting_triage_count,
        count(*) filter (
            where a.triage_outcome = 'accepted'
              and a.first_contact_date is null
              and a.discharge_date is null
        ) as waiting_count,
        -- people, not referrals: the contract's active caseload, as on Overview
        count(distinct a.patient_id) filter (
            where is_active_on(a.triage_outcome, a.first_contact_date, a.discharge_date,
                               $meeting_date)
        ) as caseload_count,
        count(*) filter (where a.discharge_date is not null) as discharged_count,
        count(*) filter (where a.first_contact_date >= $wait_from_date) as first_contact_count,
        median(wait_days(a.referral_date, a.first_contact_date))
            filter (where a.first_contact_date >= $wait_from_date) as median_wait_days,
        count(p.referral_id) as pseq_pair_count,
        avg(p.baseline_score) as pseq_mean_baseline_points,
        avg(p.latest_score) as pseq_mean_latest_points,
        avg(p.latest_score - p.baseline_score) as pseq_mean_change_points
    from as_at_meeting as a
    left join pseq_pairs as p on p.referral_id = a.referral_id
    group by a.area
),

-- Both rows even when the practice has no referrals yet.
wanted_areas as (
    select * from (values ('practice', 1), ('service', 2)) as t(area, area_order)
)

select
    w.area,
    coalesce(p.referred_quarter_count, 0) as referred_quarter_count,
    coalesce(p.referred_total_count, 0) as referred_total_count,
    coalesce(p.awaiting_triage_count, 0) as awaiting_triage_count,
    coalesce(p.waiting_count, 0) as waiting_count,
    coalesce(p.caseload_count, 0) as caseload_count,
    coalesce(p.discharged_count, 0) as discharged_count,
    coalesce(p.first_contact_count, 0) as first_contact_count,
    p.median_wait_days,
    coalesce(p.pseq_pair_count, 0) as pseq_pair_count,
    p.pseq_mean_baseline_points,
    p.pseq_mean_latest_points,
    p.pseq_mean_change_points
from wanted_areas as w
left join per_area as p on p.area = w.area
order by w.area_order
