-- Rebuilds assessment_scores: one row per assessment with its score (NULL when incomplete),
-- ONS4's four items, and its number in sequence among the SCORED assessments of its referral
-- and instrument (1 = baseline). Same rules as wellpath/scoring.py, which the tests check.
-- Also rebuilds ref_swemwbs_metric, the SWEMWBS raw-to-metric conversion table.
-- level: person
-- scope: none
-- reads: assessments
-- Numbered within each referral: after a small batch only the referrals it touched are
-- rebuilt (its source is marked "by referral", see wellpath.db.apply_derived).

-- SWEMWBS raw sum -> metric score (Stewart-Brown et al. 2009, HQLO 7:15; Warwick user guide).
create or replace table ref_swemwbs_metric as
select raw_score::integer as raw_score, metric_score::double as metric_score
from (
    values
        (7, 7.00), (8, 9.51), (9, 11.25), (10, 12.40), (11, 13.33), (12, 14.08), (13, 14.75),
        (14, 15.32), (15, 15.84), (16, 16.36), (17, 16.88), (18, 17.43), (19, 17.98),
        (20, 18.59), (21, 19.25), (22, 19.98), (23, 20.73), (24, 21.54), (25, 22.35),
        (26, 23.21), (27, 24.11), (28, 25.03), (29, 26.02), (30, 27.03), (31, 28.13),
        (32, 29.31), (33, 30.70), (34, 32.55), (35, 35.00)
) as conversion (raw_score, metric_score);

create or replace table assessment_scores as
with
assessments_in as (
    select * from assessments /*by referral*/
),

swemwbs_metric as (
    select * from ref_swemwbs_metric
),

-- items on the form and items needed for a complete form (PSFS: 1 to 5 activities)
instrument_items as (
    select * from (
        values
            ('PSEQ', 10, 10), ('PSEQ2', 2, 2), ('SWEMWBS', 7, 7), ('WEMWBS', 14, 14),
            ('ONS4', 4, 4), ('PSFS', 5, 1), ('WBSTAR', 8, 8)
    ) as t (instrument_code, item_count, items_needed)
),

item_lists as (
    select
        a.assessment_id,
        a.referral_id,
        a.instrument,
        a.assessment_date,
        a.total,
        a.item_01,
        a.item_02,
        a.item_03,
        a.item_04,
        upper(a.instrument) as instrument_code,
        i.items_needed,
        list_slice(
            [a.item_01, a.item_02, a.item_03, a.item_04, a.item_05, a.item_06, a.item_07,
             a.item_08, a.item_09, a.item_10, a.item_11, a.item_12, a.item_13, a.item_14],
            1, i.item_count
        ) as items
    from assessments_in as a
    left join instrument_items as i on i.instrument_code = upper(a.instrument)
),

item_sums as (
    select
        *,
        coalesce(list_count(items), 0) as item_count_given,
        list_sum(items) as item_sum,
        list_avg(items) as item_mean
    from item_lists
),

scored as (
    select
        s.*,
        coalesce(s.item_count_given >= s.items_needed, false) as items_complete,
        case
            when s.instrument_code = 'PSFS' then s.item_mean
            when s.instrument_code = 'SWEMWBS' then from_items.metric_score
            else s.item_sum::double
        end as score_from_items,
        case
            when s.instrument_code = 'SWEMWBS' then from_total.metric_score
            else s.total::double
        end as score_from_total
    from item_sums as s
    left join swemwbs_metric as from_items
        on s.instrument_code = 'SWEMWBS' and from_items.raw_score = s.item_sum
    left join swemwbs_metric as from_total
        on s.instrument_code = 'SWEMWBS' and from_total.raw_score = s.total
),

final_scores as (
    select
        *,
        case
            when instrument_code = 'ONS4' or items_needed is null then null
            when items_complete then score_from_items
            else score_from_total
        end as score
    from scored
),

with_completeness as (
    select
        *,
        case
            when instrument_code = 'ONS4' then items_complete
            else score is not null
        end as is_complete
    from final_scores
),

sequenced as (
    select
        *,
        case when is_complete then row_number() over (
            partition by referral_id, instrument_code, is_complete
            order by assessment_date, assessment_id
        ) end as assessment_number,
        coalesce(is_complete and row_number() over (
            partition by referral_id, instrument_code, is_complete
            order by assessment_date desc, assessment_id desc
        ) = 1, false) as is_latest
    from with_completeness
)

select
    assessment_id,
    referral_id,
    instrument_code as instrument,
    assessment_date,
    item_count_given::integer as item_count_given,
    is_complete,
    score,
    case when instrument_code = 'ONS4' then item_01 end as ons4_satisfaction,
    case when instrument_code = 'ONS4' then item_02 end as ons4_worthwhile,
    case when instrument_code = 'ONS4' then item_03 end as ons4_happy,
    case when instrument_code = 'ONS4' then item_04 end as ons4_anxious,
    assessment_number::integer as assessment_number,
    is_latest
from sequenced
order by referral_id, instrument, assessment_date, assessment_id;
