-- Episodes discharged in the period by discharge reason (NULL = not recorded).
-- level: aggregate
with facts as (
    select practice_code, condition, worker_id, discharge_date, discharge_reason
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
)

select discharge_reason, count(*) as discharge_count
from facts
where discharge_date between $start_date and $end_date
group by discharge_reason
order by discharge_count desc, discharge_reason
