-- Reference: the person-level rows the Star page read until 3 Dec 2026, which
-- queries/instrument_item_score_pairs.sql counts (tests/sql/test_star_item_pairs.py holds
-- the two equal).
-- Item by item, each referral's baseline form of one instrument ($instrument: WBSTAR's 8
-- areas, PSFS's up to 5 activities) against its latest later complete form on or before
-- $report_date: one row per person and item given on both forms.
-- level: person
-- A pair is in the period when its latest form is dated in the period (as in paired_scores).
-- Ties on one date: the form numbered later (assessment_scores numbers forms by date, then
-- assessment id). person_number numbers the referrals within this result only.
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
)

select
    dense_rank() over (order by p.referral_id) as person_number,
    r.practice_code,
    p.baseline_date,
    p.latest_date,
    p.baseline_score,
    p.latest_score,
    bi.item_number,
    bi.item_score as baseline_item_score,
    li.item_score as latest_item_score
from pairs as p
inner join referrals_src as r using (referral_id)
inner join item_scores as bi on bi.assessment_id = p.baseline_id
inner join item_scores as li on li.assessment_id = p.latest_id and li.item_number = bi.item_number
order by person_number, bi.item_number
