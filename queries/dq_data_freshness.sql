-- How fresh the data is, per practice in scope: the latest referral, contact, questionnaire,
-- healthcare-use month and prescription month on file (up to $today), and how many days
-- before $today that was, with the practice's role (comparison practices send no
-- referrals). Not limited to the period: freshness is about the latest data.
-- level: aggregate
-- Each referral's latest contact and questionnaire come from referral_facts' record dates
-- (built at import), through scoped_referrals, read once per use: a CTE of the scope's
-- referrals read by several branches is copied whole by DuckDB (0.45 s nationally).
with assessments_src as (
    select * from assessments
),

healthcare_use_src as (
    select * from healthcare_use
),

prescriptions_src as (
    select * from prescriptions
),

patients_src as (
    select * from patients
),

practices_src as (
    select practice_code, role from practices
    where practice_code in (select unnest($practice_codes))
),

-- Per practice in one pass over the scope's referrals: the latest referral, and the latest
-- contact and questionnaire of the referrals whose records are all on or before $today;
-- a referral with a contact after $today gives its latest on or before it from its
-- contact dates (referral_facts' list of them).
per_practice as (
    select
        practice_code,
        max(referral_date) filter (where referral_date <= $today) as referral_latest,
        max(latest_contact_date) filter (where latest_contact_date <= $today)
            as contact_latest,
        -- a case, not a filter: DuckDB evaluates an aggregate's argument on every row,
        -- and a case's branch only on the rows it chooses
        max(case when latest_contact_date > $today
                 then list_max(list_filter(contact_dates, d -> d <= $today)) end)
            as late_contact_latest,
        max(latest_form_date) filter (where latest_form_date <= $today) as form_latest
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
    group by practice_code
),

-- The few referrals with a questionnaire dated after $today (usually none), on their own,
-- so that only their forms are read: joined to every referral in scope first, the 10M
-- national forms were matched before the filter left none (1.0 s).
late_form_referrals as (
    select referral_id, practice_code
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
    where latest_form_date > $today
),

patients_in_view as (
    select patient_id, practice_code
    from patients_src
    where practice_code in (select unnest($practice_codes))
      and (($conditions is null and $worker_ids is null)
           or patient_id in (
               select patient_id from scoped_referrals($practice_codes, $conditions, $worker_ids)
           ))
),

latest as (
    select practice_code, 'referrals' as table_name, referral_latest as latest_date
    from per_practice
    union all
    select practice_code, 'contacts', greatest(contact_latest, late_contact_latest)
    from per_practice
    union all
    select practice_code, 'assessments', form_latest
    from per_practice
    union all
    select r.practice_code, 'assessments', max(a.assessment_date)
    from late_form_referrals as r
    join assessments_src as a on a.referral_id = r.referral_id
    where a.assessment_date <= $today
    group by r.practice_code
    union all
    -- With no condition or link worker chosen, from the per-practice monthly counts built at
    -- import (healthcare_practice_months); otherwise from the rows of the people in view.
    -- DuckDB folds the bound parameters, so only one branch reads anything.
    select practice_code, table_name, max(month)
    from healthcare_practice_months
    where $conditions is null and $worker_ids is null
      and practice_code in (select unnest($practice_codes))
      and month <= $today
    group by practice_code, table_name
    union all
    select p.practice_code, 'healthcare_use', max(h.month)
    from healthcare_use_src as h
    join patients_in_view as p on p.patient_id = h.patient_id
    where not ($conditions is null and $worker_ids is null)
      and h.month <= $today
    group by p.practice_code
    union all
    select p.practice_code, 'prescriptions', max(x.month)
    from prescriptions_src as x
    join patients_in_view as p on p.patient_id = x.patient_id
    where not ($conditions is null and $worker_ids is null)
      and x.month <= $today
    group by p.practice_code
),

latest_per_table as (
    select practice_code, table_name, max(latest_date) as latest_date
    from latest
    group by practice_code, table_name
),

grid as (
    select p.practice_code, p.role as practice_role, t.table_name
    from practices_src as p
    cross join (values ('referrals'), ('contacts'), ('assessments'), ('healthcare_use'),
                       ('prescriptions')) as t(table_name)
)

select
    g.practice_code,
    g.practice_role,
    g.table_name,
    l.latest_date,
    date_diff('day', l.latest_date, $today::date) as days_since_latest
from grid as g
left join latest_per_table as l on l.practice_code = g.practice_code and l.table_name = g.table_name
order by
    g.practice_code,
    list_position(
        ['referrals', 'contacts', 'assessments', 'healthcare_use', 'prescriptions'],
        g.table_name)
