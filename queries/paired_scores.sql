-- One row per pair: a referral's baseline score against one later score of the same measure.
-- level: person
-- A pair is in the period when its follow-up is dated in the period. The follow-up is chosen
-- among the forms on or before the report date (never over all time and then filtered):
-- the latest one, or with $time_point_months the one nearest that many months after the
-- baseline within $window_days either side; ties go to the later date, then to the
-- later-numbered form on one date (macro baseline_followup_pairs,
-- queries/derive_table_macros_pairs.sql). ONS4 gives four measures, one per item. No pseudonyms.
-- The groups (practice, condition, sex, IMD, age at referral) come with the pairs
-- (baseline_followup_pairs carries them from the candidates), not from a join.
with pairs as (
    select *
    from baseline_followup_pairs(
        $practice_codes, $conditions, $worker_ids, $report_date, [$time_point_months],
        [$window_days], from_date := $start_date
    )
)

select
    c.measure,
    c.practice_code,
    c.condition,
    c.sex,
    case when c.imd_decile is null then null else cast(ceil(c.imd_decile / 2) as integer) end
        as imd_quintile,
    case
        when c.birth_year is null then null
        when age_at(c.birth_year, c.referral_date) < 35 then '18-34'
        when age_at(c.birth_year, c.referral_date) < 50 then '35-49'
        when age_at(c.birth_year, c.referral_date) < 65 then '50-64'
        else '65 and over'
    end as age_band,
    c.baseline_date,
    c.follow_up_date,
    c.days_since_baseline / 30.4375 as months_since_baseline,
    c.baseline_score,
    c.follow_up_score,
    c.follow_up_score - c.baseline_score as change_points
from pairs as c
where c.follow_up_date between $start_date and $end_date
order by c.measure, c.practice_code, c.follow_up_date, c.baseline_score
