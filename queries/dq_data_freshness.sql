-- How fresh the data is, per practice in scope: the latest referral, contact, questionnaire,
-- healthcare-use month and prescription month on file (up to $today), and how many days
-- before $today that was, with the practice's role (comparison practices send no
-- referrals). Not limited to the period: freshness is about the latest data.
-- level: aggregate
-- Each referral's latest contact and questionnaire come from referral_facts' record dates
-- (built at import), through scoped_referrals.
with referrals_in_scope as (
    select referral_id, patient_id, practice_code, referral_date, latest_contact_date,
           latest_form_date
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
),

contacts_src as (
    select * from contacts
),

assessments_src as (
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

patients_in_view as (
    select patient_id, practice_code
    from patients_src
    where practice_code in (select unnest($practice_codes))
      and (($conditions is null and $worker_ids is null)
           or patient_id in (select patient_id from referrals_in_scope))
),

latest as (
    select practice_code, 'referrals' as table_name, max(referral_date) as latest_date
    from referrals_in_scope
    where referral_date <= $today
    group by practice_code
    union all
    -- Contacts and questionnaires: each referral's latest (referral_facts' record dates,
    -- built at import) when it is on or before $today, otherwise (a record dated after
    -- $today) from that referral's rows.
    select practice_code, 'contacts', max(latest_contact_date)
    from referrals_in_scope
    where latest_contact_date <= $today
    group by practice_code
    union all
    select r.practice_code, 'contacts', max(c.contact_date)
    from contacts_src as c
    join referrals_in_scope as r on r.referral_id = c.referral_id
    where c.referral_id in (
        select referral_id from referrals_in_scope where latest_contact_date > $today
    )
      and c.contact_date <= $today
    group by r.practice_code
    union all
    select practice_code, 'assessments', max(latest_form_date)
    from referrals_in_scope
    where latest_form_date <= $today
    group by practice_code
    union all
    select r.practice_code, 'assessments', max(a.assessment_date)
    from assessments_src as a
    join referrals_in_scope as r on r.referral_id = a.referral_id
    where a.referral_id in (
        select referral_id from referrals_in_scope where latest_form_date > $today
    )
      and a.assessment_date <= $today
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
