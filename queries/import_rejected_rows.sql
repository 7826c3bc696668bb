-- The rejected rows of one import ($batch_id), one row per rule broken, with the row as sent
-- (raw_row) so it can be fixed and sent again. A row is shown to a viewer who may see its
-- practice: the practice_code it carries, else the practice of the referral or patient it
-- names. Link worker rows (staff, no patients) are shown to everyone. A row that cannot be
-- tied to a known practice (e.g. rejected for its practice code) is shown only to a viewer
-- whose practices cover every practice in the file.
-- level: identifiable
-- scope: practice_codes (filtered by hand; to move onto scoped_referrals)
with rejected as (
    select * from rejected_rows
    where batch_id = $batch_id
),

practices_src as (
    select practice_code from practices
),

patients_src as (
    select patient_id, practice_code from patients
),

referrals_src as (
    select referral_id, practice_code from referrals
),

attributed as (
    select
        r.table_name,
        r.row_number,
        r.column_name,
        r.value,
        r.rule,
        r.raw_row,
        coalesce(
            known.practice_code, ref.practice_code, pat.practice_code
        ) as practice_code
    from rejected as r
    left join practices_src as known
        on known.practice_code = upper(trim(json_extract_string(r.raw_row, '$.practice_code')))
    left join referrals_src as ref
        on ref.referral_id = trim(json_extract_string(r.raw_row, '$.referral_id'))
    left join patients_src as pat
        on pat.patient_id = trim(json_extract_string(r.raw_row, '$.patient_id'))
),

viewer_sees_every_practice as (
    select count(*) = 0 as ok
    from practices_src
    where practice_code not in (select unnest($practice_codes))
)

select table_name, row_number, column_name, value, rule, raw_row
from attributed
where
    table_name = 'link_workers'
    or practice_code in (select unnest($practice_codes))
    or (practice_code is null and (select ok from viewer_sees_every_practice))
order by
    coalesce(list_position(
        ['practices', 'link_workers', 'patients', 'referrals', 'contacts', 'goals',
         'assessments', 'healthcare_use', 'prescriptions'],
        table_name), 99),
    row_number,
    column_name
