-- The MDT headline for the chosen practice and for the service as a whole (every practice
-- in $practice_codes), from the same rows and rules: two rows, area = 'practice' | 'service'.
-- As on the meeting date: referred this quarter (financial-year quarter holding the meeting
-- date, $quarter_start_date to the meeting) and since the start; awaiting triage; waiting
-- (accepted, not yet seen; the Overview's definition); people on the caseload (distinct
-- patients with an active referral, is_active_on, as Overview counts them);
-- discharged since the start; median wait of people first seen from $wait_from_date to the
-- meeting; paired PSEQ change so far (baseline against the latest later score, per referral).
-- level: aggregate
-- statistics: median_wait_days per first_contact_count; pseq_mean_change_points, pseq_mean_baseline_points, pseq_mean_latest_points per pseq_pair_count
-- scope: practice_codes (filtered by hand; to move onto scoped_referrals)
with referrals_src as (
    select * from referrals
),

pseq_src as (
    select referral_id, assessment_date, score, assessment_number
    from assessment_scores
    where instrument = 'PSEQ' and score is not null
),

in_scope as (
    select *
    from referrals_src
    where practice_code in (select unnest($practice_codes))
      and ($conditions is null or list_contains($conditions, condition))
      and ($worker_ids is null or list_contains($worker_ids, worker_id))
      and referral_date <= $meeting_date
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

pseq_pairs as (
    select
        b.referral_id,
        b.score as baseline_score,
        arg_max(f.score, f.assessment_number) as latest_score
    from pseq_src as b
    join pseq_src as f
        on f.referral_id = b.referral_id
       and f.assessment_number > 1
       and f.assessment_date <= $meeting_date
    where b.assessment_number = 1
      and b.assessment_date <= $meeting_date
    group by b.referral_id, b.score
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
