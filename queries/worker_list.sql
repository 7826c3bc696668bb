-- Link workers and other staff who hold caseloads (staff data, no patient rows).
-- scope: none
with workers as (
    select * from link_workers
)
select worker_id, display_name, job_role, fte, start_date, end_date
from workers
order by display_name
