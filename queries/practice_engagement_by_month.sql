-- Per pilot practice and calendar month of the period: the link workers' engagement with the
-- practice (MDT meetings attended, training sessions, surgery sessions, case discussions and
-- other occasions, as numbers of occasions, and their minutes) beside the practice's
-- referrals that month and its list size, for referrals per 1,000 registered patients.
-- Every practice-month of the period is returned, with zeros where nothing happened.
-- Engagement occasions are staff time, not people, so they are not `_count` columns (not
-- rounded); referral_count is. The worker filter applies to both.
-- level: aggregate
with engagement_src as (
    select practice_code, worker_id, engagement_date, kind, minutes
    from practice_engagement
),

facts as (
    select practice_code, referral_date, referral_month
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

shown_practices as (
    select practice_code, practice_name, pcn_code, pcn_name, list_size
    from practices
    where practice_code in (select unnest($practice_codes))
      and role <> 'comparison'
),

months as (
    select month_start from month_spine($start_date, $end_date, $report_date)
),

grid as (
    select p.*, m.month_start
    from shown_practices as p
    cross join months as m
),

engagement as (
    select
        practice_code,
        date_trunc('month', engagement_date)::date as month_start,
        count(*) filter (where kind = 'mdt_meeting') as mdt_meetings,
        count(*) filter (where kind = 'training_session') as training_sessions,
        count(*) filter (where kind = 'surgery_session') as surgery_sessions,
        count(*) filter (where kind = 'case_discussion') as case_discussions,
        count(*) filter (where kind = 'other') as other_occasions,
        count(*) as engagement_occasions,
        coalesce(sum(minutes), 0) as engagement_minutes
    from engagement_src
    where practice_code in (select unnest($practice_codes))
      and ($worker_ids is null or list_contains($worker_ids, worker_id))
      and engagement_date between $start_date and $end_date
    group by practice_code, month_start
),

referrals as (
    select
        practice_code,
        referral_month as month_start,
        count(*) as referral_count
    from facts
    where referral_date between $start_date and $end_date
    group by practice_code, month_start
)

select
    g.practice_code,
    g.practice_name,
    g.pcn_code,
    g.pcn_name,
    g.list_size,
    g.month_start,
    coalesce(e.mdt_meetings, 0) as mdt_meetings,
    coalesce(e.training_sessions, 0) as training_sessions,
    coalesce(e.surgery_sessions, 0) as surgery_sessions,
    coalesce(e.case_discussions, 0) as case_discussions,
    coalesce(e.other_occasions, 0) as other_occasions,
    coalesce(e.engagement_occasions, 0) as engagement_occasions,
    coalesce(e.engagement_minutes, 0) as engagement_minutes,
    coalesce(r.referral_count, 0) as referral_count
from grid as g
left join engagement as e
    on e.practice_code = g.practice_code and e.month_start = g.month_start
left join referrals as r
    on r.practice_code = g.practice_code and r.month_start = g.month_start
order by g.practice_code, g.month_start
