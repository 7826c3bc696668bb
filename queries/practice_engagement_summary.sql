-- Per pilot practice: the link workers' engagement with it from $period_start to
-- $period_end (occasions of each kind and minutes), its last engagement on or before
-- $report_date (at any time, not only in the period) and the days since it, and whether it
-- has lapsed: no engagement in the $lapse_weeks weeks up to $report_date (or none ever).
-- Referrals in the $lapse_weeks weeks up to $report_date and in the same length of time
-- before that show what followed. Engagement occasions are staff time (not rounded).
-- level: aggregate
with engagement_src as (
    select practice_code, worker_id, engagement_date, kind, minutes
    from practice_engagement
),

facts as (
    select practice_code, referral_date
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

shown_practices as (
    select practice_code, practice_name, pcn_code, pcn_name, list_size
    from practices
    where practice_code in (select unnest($practice_codes))
      and role <> 'comparison'
),

scoped_engagement as (
    select practice_code, engagement_date, kind, minutes
    from engagement_src
    where practice_code in (select unnest($practice_codes))
      and ($worker_ids is null or list_contains($worker_ids, worker_id))
      and engagement_date <= $report_date
),

in_period as (
    select
        practice_code,
        count(*) filter (where kind = 'mdt_meeting') as mdt_meetings,
        count(*) filter (where kind = 'training_session') as training_sessions,
        count(*) filter (where kind = 'surgery_session') as surgery_sessions,
        count(*) filter (where kind = 'case_discussion') as case_discussions,
        count(*) filter (where kind = 'other') as other_occasions,
        count(*) as engagement_occasions,
        coalesce(sum(minutes), 0) as engagement_minutes
    from scoped_engagement
    where engagement_date between $period_start and $period_end
    group by practice_code
),

latest as (
    select practice_code, max(engagement_date) as last_engagement_date
    from scoped_engagement
    group by practice_code
),

recent_referrals as (
    select
        practice_code,
        count(*) filter (
            where referral_date > $report_date::date - 7 * $lapse_weeks::integer
        ) as referrals_recent_count,
        count(*) filter (
            where referral_date <= $report_date::date - 7 * $lapse_weeks::integer
        ) as referrals_before_count
    from facts
    where referral_date <= $report_date
      and referral_date > $report_date::date - 14 * $lapse_weeks::integer
    group by practice_code
)

select
    p.practice_code,
    p.practice_name,
    p.pcn_code,
    p.pcn_name,
    p.list_size,
    coalesce(i.mdt_meetings, 0) as mdt_meetings,
    coalesce(i.training_sessions, 0) as training_sessions,
    coalesce(i.surgery_sessions, 0) as surgery_sessions,
    coalesce(i.case_discussions, 0) as case_discussions,
    coalesce(i.other_occasions, 0) as other_occasions,
    coalesce(i.engagement_occasions, 0) as engagement_occasions,
    coalesce(i.engagement_minutes, 0) as engagement_minutes,
    l.last_engagement_date,
    date_diff('day', l.last_engagement_date, $report_date::date) as days_since_engagement,
    coalesce(
        l.last_engagement_date is null
        or l.last_engagement_date <= $report_date::date - 7 * $lapse_weeks::integer,
        true
    ) as lapsed,
    coalesce(r.referrals_recent_count, 0) as referrals_recent_count,
    coalesce(r.referrals_before_count, 0) as referrals_before_count
from shown_practices as p
left join in_period as i on i.practice_code = p.practice_code
left join latest as l on l.practice_code = p.practice_code
left join recent_referrals as r on r.practice_code = p.practice_code
order by p.practice_code
