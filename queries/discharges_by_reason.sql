-- Episodes discharged in the period by discharge reason (NULL = not recorded).
-- level: aggregate
with facts as (
    select practice_code, condition, worker_id, discharge_date, discharge_reason
    from referral_facts
)

select discharge_reason, count(*) as discharge_count
from facts
where practice_code in (select unnest($practice_codes))
  and ($conditions is null or list_contains($conditions, condition))
  and ($worker_ids is null or list_contains($worker_ids, worker_id))
  and discharge_date between $start_date and $end_date
group by discharge_reason
order by discharge_count desc, discharge_reason
