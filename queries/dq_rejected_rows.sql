-- The rejected rows themselves with the rule each broke, for one import ($batch_id) or all
-- ($batch_id null), as sent (raw_row), so they can be fixed and sent again. Rejected rows
-- cannot always be tied to a practice (a row may be rejected for its practice code, and
-- rejected_rows keeps no practice column), so they are returned only to a viewer whose
-- practices cover every practice in the file; anyone else gets no rows.
-- level: identifiable
-- scope: practice_codes (rejected rows, no referral rows: only a viewer of every practice)
with practices_src as (
    select practice_code from practices
),

rejected as (
    select * from rejected_rows
    where $batch_id is null or batch_id = $batch_id
),

batches as (
    select batch_id, imported_at, source_name from import_batches
),

viewer_sees_every_practice as (
    select count(*) = 0 as ok
    from practices_src
    where practice_code not in (select unnest($practice_codes))
)

select
    b.imported_at,
    b.source_name,
    r.table_name,
    r.row_number,
    r.column_name,
    r.value,
    r.rule,
    r.raw_row
from rejected as r
left join batches as b on b.batch_id = r.batch_id
where (select ok from viewer_sees_every_practice)
order by b.imported_at desc, r.table_name, r.row_number, r.column_name
