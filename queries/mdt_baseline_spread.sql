-- The spread of baseline scores per instrument across every practice in $practice_codes,
-- as known on the meeting date: the SD the MDT page uses for each person's reliable change
-- (Jacobson & Truax: SE = SD_baseline * sqrt(1 - r)). Condition and link-worker filters
-- are not applied, so a person's reliable-change status does not move with the sidebar.
-- level: aggregate
-- statistics: baseline_mean_points, baseline_sd_points per baseline_count
-- scope: practice_codes (filtered by hand; to move onto scoped_referrals)
with referrals_src as (
    select referral_id, practice_code from referrals
),

scores_src as (
    select referral_id, instrument, assessment_date, score, assessment_number
    from assessment_scores
),

baselines as (
    select s.instrument, s.score
    from scores_src as s
    join referrals_src as r on r.referral_id = s.referral_id
    where r.practice_code in (select unnest($practice_codes))
      and s.assessment_number = 1
      and s.score is not null
      and s.assessment_date <= $meeting_date
)

select
    instrument,
    count(*) as baseline_count,
    avg(score) as baseline_mean_points,
    stddev_samp(score) as baseline_sd_points
from baselines
group by instrument
order by instrument
