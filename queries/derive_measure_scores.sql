-- One row per scored questionnaire and measure, for the paired statistics: a measure is an
-- instrument's score, except ONS4, which has no total: each of its four items is a measure of
-- its own (ONS4_satisfaction, ONS4_worthwhile, ONS4_happy, ONS4_anxious; for anxiety lower
-- is better). Complete forms only, numbered as in assessment_scores (1 = baseline).
-- scope: none
-- reads: assessment_scores
-- Per referral (its source is marked "by referral", see wellpath.db.apply_derived).
create or replace table measure_scores as
with scores_src as (
    select
        referral_id,
        instrument,
        assessment_date,
        score,
        ons4_satisfaction,
        ons4_worthwhile,
        ons4_happy,
        ons4_anxious,
        assessment_number
    from (select * from assessment_scores /*by referral*/) as s
    where is_complete and assessment_number is not null
)

select referral_id, instrument as measure, assessment_date, score, assessment_number
from scores_src
where instrument <> 'ONS4'
union all
select referral_id, 'ONS4_' || item as measure, assessment_date, item_score as score,
       assessment_number
from scores_src
unpivot (item_score for item in (
    ons4_satisfaction as 'satisfaction',
    ons4_worthwhile as 'worthwhile',
    ons4_happy as 'happy',
    ons4_anxious as 'anxious'
))
where instrument = 'ONS4'
