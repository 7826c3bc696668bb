-- The Star page's pairs, item by item, counted: each referral's baseline form of one
-- instrument ($instrument: WBSTAR's 8 areas, PSFS's up to 5 activities) against its latest
-- later complete form on or before $report_date, one row per item and distinct (baseline
-- item score, latest item score) with how many people have it (pair_weight), and people_n
-- (people with a pair on any item: the same on every row). Everything the page shows per item
-- (people paired, means, the t interval of change, how many improved) is a function of these
-- counts (wellpath.stats.paired_change_counted, tested to agree with paired_change over the
-- person-level rows, kept as tests/sql/reference/instrument_item_pairs_rows.sql), so the
-- page fetches a few hundred rows, not 1.3M person-item rows nationally.
-- level: person
-- The pairs are Outcomes' own (macro latest_follow_ups, as baseline_followup_pairs chooses the
-- latest follow-up): the baseline form (assessment_number 1) against the form numbered
-- follow_up_number, the latest follow-up dated in the period. A form with a total but no
-- item scores is in total_people_n (the people Outcomes pairs on this instrument's total:
-- the same on every row) and in no item's pairs. pair_weight, people_n and total_people_n
-- are exact on purpose, not *_count columns the query layer rounds: the view protects what
-- it publishes.
with pairs as (
    select referral_id, follow_up_number
    from latest_follow_ups($practice_codes, $conditions, $worker_ids, $report_date, $start_date)
    where measure = $instrument
      and follow_up_date between $start_date and $end_date
),

forms_src as (
    select referral_id, assessment_id, assessment_number
    from assessment_scores
    where instrument = $instrument
      and is_complete
      and assessment_number is not null
),

items_src as (
    select assessment_id, item_01, item_02, item_03, item_04, item_05, item_06, item_07,
           item_08
    from assessments
    where instrument = $instrument
),

pair_forms as (
    select
        p.referral_id,
        b.assessment_id as baseline_id,
        l.assessment_id as latest_id
    from pairs as p
    inner join forms_src as b on b.referral_id = p.referral_id and b.assessment_number = 1
    inner join forms_src as l
        on l.referral_id = p.referral_id and l.assessment_number = p.follow_up_number
),

-- Each pair's two forms side by side, one row per pair (every join is on a form's own id),
-- then one row per item: joining item rows to item rows on the item number let DuckDB join
-- every baseline item to every latest item first (26 GB spilled at national scale).
pair_items as (
    select
        p.referral_id,
        [b.item_01, b.item_02, b.item_03, b.item_04, b.item_05, b.item_06, b.item_07, b.item_08]
            as baseline_items,
        [l.item_01, l.item_02, l.item_03, l.item_04, l.item_05, l.item_06, l.item_07, l.item_08]
            as latest_items
    from pair_forms as p
    inner join items_src as b on b.assessment_id = p.baseline_id
    inner join items_src as l on l.assessment_id = p.latest_id
),

unnested as (
    select
        referral_id,
        unnest(range(1, 9)) as item_number,
        unnest(baseline_items) as baseline_item_score,
        unnest(latest_items) as latest_item_score
    from pair_items
),

-- an item is paired when both forms score it
item_pairs as (
    select
        referral_id, cast(item_number as integer) as item_number, baseline_item_score,
        latest_item_score
    from unnested
    where baseline_item_score is not null and latest_item_score is not null
),

people as (
    select
        (select count(distinct referral_id) from item_pairs) as people_n,
        (select count(*) from pairs) as total_people_n
)

select
    i.item_number,
    i.baseline_item_score,
    i.latest_item_score,
    count(*) as pair_weight,
    any_value(p.people_n) as people_n,
    any_value(p.total_people_n) as total_people_n
from item_pairs as i
cross join people as p
group by i.item_number, i.baseline_item_score, i.latest_item_score
order by i.item_number, i.baseline_item_score, i.latest_item_score
