-- Per person discharged in the period and measure: the first score and the latest later
-- score on or before the discharge date (the score at the end).
-- $referral_ids: only these referrals (NULL: everyone discharged in the period).
-- level: identifiable
with facts as (
    select referral_id, discharge_date
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
    where discharge_date between $start_date and $end_date
      and ($referral_ids is null or list_contains($referral_ids, referral_id))
),

scores as (
    select m.referral_id, m.measure, m.assessment_date, m.score, m.assessment_number
    from measure_scores as m
    inner join facts as f using (referral_id)
    where m.score is not null and m.assessment_date <= f.discharge_date
),

starts as (
    select referral_id, measure, assessment_date as start_date, score as start_score
    from scores
    where assessment_number = 1
),

ends as (
    select referral_id, measure, assessment_date as end_date, score as end_score
    from (
        select s.*, row_number() over (
            partition by s.referral_id, s.measure order by s.assessment_date desc,
            s.assessment_number desc
        ) as end_rank
        from scores as s
        inner join starts as b using (referral_id, measure)
        where s.assessment_number > 1 and s.assessment_date > b.start_date
    )
    where end_rank = 1
)

select s.referral_id, s.measure, s.start_date, s.start_score, e.end_date, e.end_score
from starts as s
left join ends as e using (referral_id, measure)
order by s.referral_id, s.measure
