-- Rejected rows by table, column and rule, for one import ($batch_id) or every import
-- ($batch_id null): how many rows broke each rule. Counts only: the rows themselves, which
-- may hold patient data, are in dq_rejected_rows.sql. A row breaking several rules counts
-- once under each.
-- scope: none
with rejected as (
    select batch_id, table_name, row_number, column_name, rule
    from rejected_rows
    where $batch_id is null or batch_id = $batch_id
)

select
    table_name,
    coalesce(column_name, '') as column_name,
    rule,
    count(distinct (batch_id, row_number)) as rows_rejected
from rejected
group by table_name, column_name, rule
order by
    coalesce(list_position(
        ['practices', 'link_workers', 'patients', 'referrals', 'contacts', 'goals',
         'assessments', 'healthcare_use', 'prescriptions'],
        table_name), 99),
    rows_rejected desc,
    rule
