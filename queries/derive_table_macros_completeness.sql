-- Table macro for the Data quality page's completeness of questionnaires, read from the
-- per-practice monthly counts built at import (questionnaire_months,
-- derive_questionnaire_months.sql). Created after questionnaire_months, questionnaire_days and
-- derive_table_macros (derive files run in name order), because a table macro is bound to
-- the tables it reads when it is created.
-- scope: none
--
-- questionnaire_field_counts(practice_codes, conditions, worker_ids, start_date, end_date):
--   questionnaires dated start_date..end_date on the viewer's referrals (those of
--   scoped_referrals(practice_codes, conditions, worker_ids)): form_count, total_n (with a
--   total), complete_n (complete as scored, assessment_scores.is_complete). A month the period
--   covers whole comes from questionnaire_months (filtered as scoped_referrals filters
--   referrals) when no condition is chosen (questionnaire_months has no condition); a part
--   month at either end from questionnaire_days (in date order: a few days' row groups and
--   no join); every month when a condition is chosen from the forms themselves
--   (whole_months_start/_end, derive_macros_months.sql). Several rows: sum them.
--   The same sums as counting the forms (tests/sql/test_dq_practice_months.py).
create or replace macro questionnaire_field_counts(
    practice_codes, conditions, worker_ids, start_date, end_date
) as table
select form_count, total_n, complete_n
from questionnaire_months
where conditions is null
  and practice_code in (select unnest(practice_codes))
  and (worker_ids is null or list_contains(worker_ids, worker_id))
  and month_start >= whole_months_start(start_date)
  and month_start <= whole_months_end(end_date)
union all
-- the part months at either end, from the day counts (no condition chosen)
select form_count, total_n, complete_n
from questionnaire_days
where conditions is null
  and assessment_date between start_date and end_date
  and is_part_month_day(assessment_date, start_date, end_date)
  and practice_code in (select unnest(practice_codes))
  and (worker_ids is null or list_contains(worker_ids, worker_id))
union all
-- every form of the period when a condition is chosen (questionnaire_days has no condition)
select
    count(*) as form_count,
    count(a.total) as total_n,
    count_if(coalesce(s.is_complete, false)) as complete_n
from assessments as a
inner join scoped_referrals(practice_codes, conditions, worker_ids) as f
    on f.referral_id = a.referral_id
left join (
    -- a form's score carries the form's own date: only those of the period can match
    select assessment_id, is_complete from assessment_scores
    where assessment_date between start_date and end_date
) as s on s.assessment_id = a.assessment_id
where conditions is not null and a.assessment_date between start_date and end_date;
