-- One row per pair: a referral's baseline score against one later score of the same measure.
-- level: person
-- A pair is in the period when its follow-up is dated in the period. The follow-up is the
-- latest later scored assessment, or with $time_point_months the one nearest that many
-- months (30.4375 days each) after the baseline, within $window_days either side (ties go
-- to the later date). ONS4 gives four measures, one per item. No pseudonyms are returned.
with referrals_src as (
    select referral_id, patient_id, practice_code, referral_date, condition, worker_id
    from referrals
),

patients_src as (
    select patient_id, sex, imd_decile, birth_year
    from patients
),

in_scope as (
    select r.referral_id, r.practice_code, r.referral_date, r.condition,
           p.sex, p.imd_decile, p.birth_year
    from referrals_src as r
    left join patients_src as p using (patient_id)
    where r.practice_code in (select unnest($practice_codes))
      and ($conditions is null or list_contains($conditions, r.condition))
      and ($worker_ids is null or list_contains($worker_ids, r.worker_id))
),

-- Per measure (ONS4 item by item), built at import: queries/derive_measure_scores.sql.
measure_scores_src as (
    select referral_id, measure, assessment_date, score, assessment_number
    from measure_scores
),

baselines as (
    select referral_id, measure, assessment_date as baseline_date, score as baseline_score
    from measure_scores_src
    where assessment_number = 1 and score is not null
),

candidates as (
    select
        b.referral_id,
        b.measure,
        b.baseline_date,
        b.baseline_score,
        m.assessment_date as follow_up_date,
        m.score as follow_up_score,
        date_diff('day', b.baseline_date, m.assessment_date) as days_since_baseline
    from baselines as b
    inner join measure_scores_src as m
        on m.referral_id = b.referral_id
       and m.measure = b.measure
       and m.assessment_number > 1
       and m.assessment_date > b.baseline_date
       and m.score is not null
),

target as (
    select cast($time_point_months as double) * 30.4375 as target_days,
           cast($window_days as double) as window_days
),

chosen as (
    select
        c.*,
        row_number() over (
            partition by c.referral_id, c.measure
            order by
                case when t.target_days is null then 0
                     else abs(c.days_since_baseline - t.target_days) end,
                c.follow_up_date desc
        ) as choice_rank
    from candidates as c
    cross join target as t
    where t.target_days is null
       or abs(c.days_since_baseline - t.target_days) <= t.window_days
)

select
    c.measure,
    s.practice_code,
    s.condition,
    s.sex,
    case when s.imd_decile is null then null else cast(ceil(s.imd_decile / 2) as integer) end
        as imd_quintile,
    case
        when s.birth_year is null then null
        when age_at(s.birth_year, s.referral_date) < 35 then '18-34'
        when age_at(s.birth_year, s.referral_date) < 50 then '35-49'
        when age_at(s.birth_year, s.referral_date) < 65 then '50-64'
        else '65 and over'
    end as age_band,
    c.baseline_date,
    c.follow_up_date,
    c.days_since_baseline / 30.4375 as months_since_baseline,
    c.baseline_score,
    c.follow_up_score,
    c.follow_up_score - c.baseline_score as change_points
from chosen as c
inner join in_scope as s using (referral_id)
where c.choice_rank = 1
  and c.follow_up_date between $start_date and $end_date
order by c.measure, s.practice_code, c.follow_up_date, c.baseline_score
