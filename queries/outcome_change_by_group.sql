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
-- $measure and $grouping choose one measure and one grouping (NULL: every one): a page
-- draws one at a time, and the pairs of every measure in every grouping were 6 hash
-- aggregates over 3M national pairs (0.6 s). DuckDB folds the bound parameters, so only
-- the chosen grouping's branch reads the pairs.
with pairs as (
    select *
    from baseline_followup_pairs(
        $practice_codes, $conditions, $worker_ids, $report_date, [$time_point_months],
        [$window_days], from_date := $start_date
    )
),

described as not materialized (
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
      and ($measure is null or c.measure = $measure)
),

grouped as (
    select
        'practice_code' as grouping, measure, practice_code, null::varchar as condition,
        null::varchar as sex, null::integer as imd_quintile, null::varchar as age_band,
        null::date as baseline_month,
        count(*) as pair_n,
        avg(change_points) as mean_change_points,
        stddev_samp(change_points) as sd_change_points
    from described
    where $grouping is null or $grouping = 'practice_code'
    group by measure, practice_code
    union all
    select 'condition', measure, null, condition, null, null, null, null,
           count(*), avg(change_points), stddev_samp(change_points)
    from described
    where $grouping is null or $grouping = 'condition'
    group by measure, condition
    union all
    select 'sex', measure, null, null, sex, null, null, null,
           count(*), avg(change_points), stddev_samp(change_points)
    from described
    where $grouping is null or $grouping = 'sex'
    group by measure, sex
    union all
    select 'imd_quintile', measure, null, null, null, imd_quintile, null, null,
           count(*), avg(change_points), stddev_samp(change_points)
    from described
    where $grouping is null or $grouping = 'imd_quintile'
    group by measure, imd_quintile
    union all
    select 'age_band', measure, null, null, null, null, age_band, null,
           count(*), avg(change_points), stddev_samp(change_points)
    from described
    where $grouping is null or $grouping = 'age_band'
    group by measure, age_band
    union all
    select 'baseline_month', measure, null, null, null, null, null, baseline_month,
           count(*), avg(change_points), stddev_samp(change_points)
    from described
    where $grouping is null or $grouping = 'baseline_month'
    group by measure, baseline_month
)

select *
from grouped
order by grouping, measure, practice_code, condition, sex, imd_quintile, age_band, baseline_month
