-- Every practice in the file with its PCN and list size (no patient data).
-- scope: none
with practices_src as (
    select * from practices
)
select
    practice_code,
    practice_name,
    pcn_code,
    coalesce(pcn_name, pcn_code) as pcn_name,
    list_size,
    role
from practices_src
order by practice_code
