-- Mean change of the pairs of paired_scores by group, for the Outcomes page's breakdowns and
-- its change-by-month chart: one row per grouping, measure and group, with the number of
-- pairs (pair_n), the mean change and the SD of change (the page adds the t interval from
-- these: wellpath.stats.mean_ci_from_summary, tested to agree with the person-level
-- wellpath.outcomes.breakdown). `grouping` names the column grouped by: practice_code,
-- condition, sex, imd_quintile, age_band (as paired_scores defines them), or
-- baseline_month (the first day of the baseline's month). A NULL group value is "not
-- recorded". The pairing and the period are paired_scores' exactly.
-- level: person
-- (Groups can be small: pair_n is exact on purpose, not a *_count the query layer rounds,
-- because the view's secondary suppression needs the exact counts; the view protects what it
-- publishes.)
-- The groups (practice, condition, sex, IMD, age at referral) come with the pairs
-- (baseline_followup_pairs carries them from the candidates), not from a join.
with pairs as (
    select *
    from baseline_followup_pairs(
        $practice_codes, $conditions, $worker_ids, $report_date, [$time_point_months],
        [$window_days], from_date := $start_date
    )
),

described as (
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
        cast(date_trunc('month', c.baseline_date) as date) as baseline_month,
        c.follow_up_score - c.baseline_score as change_points
    from pairs as c
    where c.follow_up_date between $start_date and $end_date
)

select
    case
        when grouping(practice_code) = 0 then 'practice_code'
        when grouping(condition) = 0 then 'condition'
        when grouping(sex) = 0 then 'sex'
        when grouping(imd_quintile) = 0 then 'imd_quintile'
        when grouping(age_band) = 0 then 'age_band'
        else 'baseline_month'
    end as grouping,
    measure,
    practice_code,
    condition,
    sex,
    imd_quintile,
    age_band,
    baseline_month,
    count(*) as pair_n,
    avg(change_points) as mean_change_points,
    stddev_samp(change_points) as sd_change_points
from described
group by grouping sets (
    (measure, practice_code),
    (measure, condition),
    (measure, sex),
    (measure, imd_quintile),
    (measure, age_band),
    (measure, baseline_month)
)
order by grouping, measure, practice_code, condition, sex, imd_quintile, age_band, baseline_month
