-- One row per pair: a referral's baseline score against one later score of the same measure.
-- level: person
-- A pair is in the period when its follow-up is dated in the period. The follow-up is chosen
-- among the forms on or before the report date (never over all time and then filtered):
-- the latest one, or with $time_point_months the one nearest that many months after the
-- baseline within $window_days either side; ties go to the later date, then to the
-- later-numbered form on one date (macro baseline_followup_pairs,
-- queries/derive_table_macros_pairs.sql). ONS4 gives four measures, one per item. No pseudonyms.
with in_scope as (
    select referral_id, practice_code, referral_date, condition, sex, imd_decile, birth_year
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

pairs as (
    select *
    from baseline_followup_pairs(
        $practice_codes, $conditions, $worker_ids, $report_date, [$time_point_months],
        [$window_days], from_date := $start_date
    )
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
from pairs as c
inner join in_scope as s using (referral_id)
where c.follow_up_date between $start_date and $end_date
order by c.measure, s.practice_code, c.follow_up_date, c.baseline_score
