-- Rows loaded and rejected per contract table in one import ($batch_id), from the import
-- log's per-table counts. No patient rows.
-- scope: none
with batch as (
    select rows_loaded, rows_rejected
    from import_batches
    where batch_id = $batch_id
),

table_names as (
    select distinct unnest(json_keys(coalesce(rows_loaded, '{}'))) as table_name from batch
    union
    select distinct unnest(json_keys(coalesce(rows_rejected, '{}'))) from batch
),

per_table as (
    select
        t.table_name,
        coalesce(json_extract(b.rows_loaded, '$."' || t.table_name || '"')::bigint, 0)
            as rows_loaded,
        coalesce(json_extract(b.rows_rejected, '$."' || t.table_name || '"')::bigint, 0)
            as rows_rejected
    from table_names as t
    cross join batch as b
)

select table_name, rows_loaded, rows_rejected
from per_table
order by
    coalesce(list_position(
        ['practices', 'link_workers', 'patients', 'referrals', 'contacts', 'goals',
         'assessments', 'healthcare_use', 'prescriptions'],
        table_name), 99),
    table_name
