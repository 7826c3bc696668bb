-- Reference: instrument_follow_ups as it was before it read the pair candidates
-- (measure_scores joined to itself), for tests/sql/test_instrument_follow_ups.py.
-- Every later scored assessment of one instrument ($instrument: a measure code such as
-- WBSTAR) against the referral's baseline, on or before $report_date: one row per follow-up.
-- level: person
-- The contract tracker finds from these rows when each person's gain first met a rule's
-- threshold. person_number numbers the referrals within this result only (it is no
-- identifier and no pseudonym is returned); a person with two referrals counts twice, as in
-- paired_scores.
with referrals_src as (
    select referral_id, practice_code
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

scores_src as (
    select referral_id, assessment_date, score, assessment_number
    from measure_scores
    where measure = $instrument
      and score is not null
      and assessment_date <= $report_date
),

baselines as (
    select referral_id, assessment_date as baseline_date, score as baseline_score
    from scores_src
    where assessment_number = 1
),

follow_ups as (
    select
        b.referral_id,
        b.baseline_date,
        b.baseline_score,
        s.assessment_date as follow_up_date,
        s.score as follow_up_score
    from baselines as b
    inner join scores_src as s
        on s.referral_id = b.referral_id
       and s.assessment_number > 1
       and s.assessment_date > b.baseline_date
)

select
    dense_rank() over (order by f.referral_id) as person_number,
    r.practice_code,
    f.baseline_date,
    f.baseline_score,
    f.follow_up_date,
    f.follow_up_score,
    f.follow_up_score - f.baseline_score as change_points
from follow_ups as f
inner join referrals_src as r using (referral_id)
order by person_number, f.follow_up_date
