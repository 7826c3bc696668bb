-- One person's first and latest complete form of one instrument ($instrument) on or before
-- $report_date, item by item: for the MDT page's "Star at start and now".
-- level: identifiable
-- One referral ($referral_id), and only when its practice is among $practice_codes. which:
-- 'start' (the baseline, form 1) or 'latest' (the latest later form; absent when there is
-- none). Ties on one date: the form numbered later.
with referrals_src as (
    select referral_id
    from scoped_referrals($practice_codes, null, null)
    where referral_id = $referral_id
),

scored as (
    select s.referral_id, s.assessment_id, s.assessment_date, s.assessment_number, s.score
    from assessment_scores as s
    inner join referrals_src as r using (referral_id)
    where s.instrument = $instrument
      and s.is_complete
      and s.assessment_number is not null
      and s.assessment_date <= $report_date
),

chosen as (
    select 'start' as which, * from scored where assessment_number = 1
    union all
    select 'latest' as which, * from (
        select *
        from scored
        where assessment_number > 1
        order by assessment_date desc, assessment_number desc
        limit 1
    )
),

items_src as (
    select assessment_id, item_01, item_02, item_03, item_04, item_05, item_06, item_07,
           item_08
    from assessments
    where instrument = $instrument
)

select
    c.which,
    c.assessment_date,
    c.score,
    cast(right(i.item, 2) as integer) as item_number,
    i.item_score
from chosen as c
inner join (
    select assessment_id, item, item_score
    from items_src
    unpivot (item_score for item in (
        item_01, item_02, item_03, item_04, item_05, item_06, item_07, item_08
    ))
) as i using (assessment_id)
order by c.which desc, item_number
