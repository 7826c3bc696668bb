-- How fresh the data is, per practice in scope: the latest referral, contact, questionnaire,
-- healthcare-use month and prescription month on file (up to $today), and how many days
-- before $today that was, with the practice's role (comparison practices send no
-- referrals). Not limited to the period: freshness is about the latest data.
-- level: aggregate
-- scope: practice_codes (filtered by hand; to move onto scoped_referrals)
with referrals_src as (
    select * from referrals
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

referrals_in_scope as (
    select referral_id, patient_id, practice_code, referral_date
    from referrals_src
    where practice_code in (select unnest($practice_codes))
      and ($conditions is null or list_contains($conditions, condition))
      and ($worker_ids is null or list_contains($worker_ids, worker_id))
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
    select r.practice_code, 'contacts', max(c.contact_date)
    from contacts_src as c
    join referrals_in_scope as r on r.referral_id = c.referral_id
    where c.contact_date <= $today
    group by r.practice_code
    union all
    select r.practice_code, 'assessments', max(a.assessment_date)
    from assessments_src as a
    join referrals_in_scope as r on r.referral_id = a.referral_id
    where a.assessment_date <= $today
    group by r.practice_code
    union all
    select p.practice_code, 'healthcare_use', max(h.month)
    from healthcare_use_src as h
    join patients_in_view as p on p.patient_id = h.patient_id
    where h.month <= $today
    group by p.practice_code
    union all
    select p.practice_code, 'prescriptions', max(x.month)
    from prescriptions_src as x
    join patients_in_view as p on p.patient_id = x.patient_id
    where x.month <= $today
    group by p.practice_code
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
left join latest as l on l.practice_code = g.practice_code and l.table_name = g.table_name
order by
    g.practice_code,
    list_position(
        ['referrals', 'contacts', 'assessments', 'healthcare_use', 'prescriptions'],
        g.table_name)
