-- Rejected rows by table, column and rule, for one import ($batch_id) or every import
-- ($batch_id null): how many rows broke each rule. Counts only: the rows themselves, which
-- may hold patient data, are in dq_rejected_rows.sql. The importer's sentences quote the
-- offending value (a date, a referral id...), so the value and any other date in the
-- sentence are replaced by "…": the rule is then the same for every row that broke it and
-- no patient's data shows here. A row breaking several rules counts once under each.
-- scope: none
with rejected as (
    select batch_id, table_name, row_number, column_name, value, rule
    from rejected_rows
    where $batch_id is null or batch_id = $batch_id
),

without_values as (
    select
        batch_id,
        table_name,
        row_number,
        column_name,
        regexp_replace(
            case
                when value is null or value = '' then rule
                else regexp_replace(
                    rule, '(^|[\s(])' || regexp_escape(value) || '($|[\s);,.:])', '\1…\2', 'g'
                )
            end,
            '[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}', '…', 'g'
        ) as rule
    from rejected
)

select
    table_name,
    coalesce(column_name, '') as column_name,
    rule,
    count(distinct (batch_id, row_number)) as rows_rejected
from without_values
group by table_name, column_name, rule
order by
    coalesce(list_position(
        ['practices', 'link_workers', 'patients', 'referrals', 'contacts', 'goals',
         'assessments', 'healthcare_use', 'prescriptions'],
        table_name), 99),
    rows_rejected desc,
    rule
