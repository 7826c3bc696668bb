-- One row per referral of the chosen practice and scored instrument, as known on the meeting
-- date: the baseline (first scored form), the latest scored form, the one before the latest,
-- and the latest on or before the last meeting date (for "scores that moved since the last
-- meeting"). Instruments without a single score (ONS4) have no rows.
-- level: identifiable
-- scope: practice_codes (filtered by hand; to move onto scoped_referrals)
with referrals_src as (
    select referral_id, patient_id, practice_code, condition, worker_id, referral_date
    from referrals
),

scores_src as (
    select referral_id, instrument, assessment_id, assessment_date, score, assessment_number
    from assessment_scores
),

practice_referrals as (
    select *
    from referrals_src
    where practice_code in (select unnest($practice_codes))
      and practice_code = $practice_code
      and ($conditions is null or list_contains($conditions, condition))
      and ($worker_ids is null or list_contains($worker_ids, worker_id))
      and referral_date <= $meeting_date
),

scored as (
    select
        s.referral_id,
        s.instrument,
        s.assessment_date,
        s.score,
        s.assessment_number,
        -- newest first; ties on a date broken by the contract's sequence number
        row_number() over (
            partition by s.referral_id, s.instrument
            order by s.assessment_date desc, s.assessment_number desc
        ) as recency
    from scores_src as s
    where s.referral_id in (select referral_id from practice_referrals)
      and s.score is not null
      and s.assessment_date <= $meeting_date
),

at_last_meeting as (
    select
        referral_id,
        instrument,
        arg_max(score, assessment_number) as last_meeting_score,
        max(assessment_date) as last_meeting_date
    from scored
    where assessment_date <= $last_meeting_date
    group by referral_id, instrument
),

summary as (
    select
        referral_id,
        instrument,
        count(*) as scored_form_count,
        min(assessment_date) filter (where assessment_number = 1) as baseline_date,
        min(score) filter (where assessment_number = 1) as baseline_score,
        max(assessment_date) filter (where recency = 1) as latest_date,
        max(score) filter (where recency = 1) as latest_score,
        max(assessment_date) filter (where recency = 2) as previous_date,
        max(score) filter (where recency = 2) as previous_score
    from scored
    group by referral_id, instrument
)

select
    s.referral_id,
    r.patient_id,
    s.instrument,
    s.scored_form_count,
    s.baseline_date,
    s.baseline_score,
    s.latest_date,
    s.latest_score,
    s.previous_date,
    s.previous_score,
    m.last_meeting_date as score_at_last_meeting_date,
    m.last_meeting_score as score_at_last_meeting
from summary as s
join practice_referrals as r on r.referral_id = s.referral_id
left join at_last_meeting as m
    on m.referral_id = s.referral_id and m.instrument = s.instrument
order by r.patient_id, s.referral_id, s.instrument
