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
-- A pair is in the period when its latest form is dated in the period (as in paired_scores).
-- Ties on one date: the form numbered later (assessment_scores numbers forms by date, then
-- assessment id). pair_weight and people_n are exact on purpose, not *_count columns the
-- query layer rounds: the view protects what it publishes.
with referrals_src as (
    select referral_id, practice_code
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

scored as (
    select referral_id, assessment_id, assessment_date, assessment_number, score
    from assessment_scores
    where instrument = $instrument
      and is_complete
      and assessment_number is not null
      and assessment_date <= $report_date
),

items_src as (
    select assessment_id, item_01, item_02, item_03, item_04, item_05, item_06, item_07,
           item_08
    from assessments
    where instrument = $instrument
),

baselines as (
    select * from scored where assessment_number = 1
),

latest as (
    select
        s.*,
        row_number() over (
            partition by s.referral_id order by s.assessment_date desc, s.assessment_number desc
        ) as latest_rank
    from scored as s
    inner join baselines as b
        on b.referral_id = s.referral_id
       and s.assessment_number > 1
       and s.assessment_date > b.assessment_date
),

pairs as (
    select
        b.referral_id,
        b.assessment_id as baseline_id,
        b.assessment_date as baseline_date,
        b.score as baseline_score,
        l.assessment_id as latest_id,
        l.assessment_date as latest_date,
        l.score as latest_score
    from baselines as b
    inner join latest as l on l.referral_id = b.referral_id and l.latest_rank = 1
    where l.assessment_date between $start_date and $end_date
),

item_scores as (
    select assessment_id, cast(right(item, 2) as integer) as item_number, item_score
    from items_src
    unpivot (item_score for item in (
        item_01, item_02, item_03, item_04, item_05, item_06, item_07, item_08
    ))
),

item_pairs as (
    select
        p.referral_id,
        bi.item_number,
        bi.item_score as baseline_item_score,
        li.item_score as latest_item_score
    from pairs as p
    inner join referrals_src as r using (referral_id)
    inner join item_scores as bi on bi.assessment_id = p.baseline_id
    inner join item_scores as li
        on li.assessment_id = p.latest_id and li.item_number = bi.item_number
),

people as (
    select count(distinct referral_id) as people_n from item_pairs
)

select
    i.item_number,
    i.baseline_item_score,
    i.latest_item_score,
    count(*) as pair_weight,
    any_value(p.people_n) as people_n
from item_pairs as i
cross join people as p
group by i.item_number, i.baseline_item_score, i.latest_item_score
order by i.item_number, i.baseline_item_score, i.latest_item_score
