-- Every import that loaded, newest first: when, from what, by whom, its status and rows
-- accepted and rejected (the import log; no patient rows).
-- scope: none
with batches as (
    select * from import_batches
)

select
    batch_id,
    imported_at,
    source_name,
    run_by,
    status,
    is_demo,
    coalesce(rows_loaded_total, 0) as rows_accepted,
    coalesce(rows_rejected_total, 0) as rows_rejected
from batches
order by imported_at desc, batch_id
