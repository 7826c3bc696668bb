-- People discharged in the period, counted per practice, for choosing whose message back to
-- the GP to write: the Message back page lists one practice's people at a time when there
-- are many (a national service discharges hundreds of thousands a year), and reads only
-- that practice's rows (discharged_people with the practice filter).
-- level: identifiable
-- The same people as discharged_people (one per referral discharged in the period); only
-- for unrounded views, as the page is.
with facts as (
    select practice_code
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
    where discharge_date between $start_date and $end_date
),

practices_src as (
    select practice_code, practice_name from practices
)

select
    f.practice_code,
    p.practice_name,
    count(*) as discharged_count
from facts as f
left join practices_src as p using (practice_code)
group by f.practice_code, p.practice_name
order by f.practice_code
