-- Whether the file holds demo data: true when the latest loaded batch was the demo world.
-- scope: none
with batches as (
    select imported_at, is_demo from import_batches
)
select is_demo, imported_at
from batches
order by imported_at desc
limit 1
