-- Consented stories dated in the period from referrals at the viewer's practices, newest
-- first: only `publishable` ones when $publishable_only is true (a rounded scope, or a
-- report), else `practice_only` ones too. No pseudonym or referral id is returned: a story
-- is shown with its date, practice and title only.
-- level: story
with stories_src as (
    select story_id, referral_id, story_date, consent, title, text
    from stories
),

facts as (
    select referral_id, practice_code
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

practices_src as (
    select practice_code, practice_name
    from practices
)

select
    s.story_id,
    s.story_date,
    s.consent,
    s.title,
    s.text,
    f.practice_code,
    p.practice_name
from stories_src as s
join facts as f on f.referral_id = s.referral_id
left join practices_src as p on p.practice_code = f.practice_code
where s.story_date between $start_date and $end_date
  and (s.consent = 'publishable' or not $publishable_only)
order by s.story_date desc, s.story_id
