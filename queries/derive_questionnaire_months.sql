-- Rebuilds questionnaire_days and questionnaire_months: questionnaires (assessments) counted
-- per referral's practice and link worker and date (questionnaire_days) or calendar month,
-- with how many have a total and how many are complete (is_complete of assessment_scores,
-- so this file runs after derive_assessment_scores.sql: name order), so that the Data
-- quality page's completeness
-- reads a few rows per practice and month for the whole months of a period instead of every
-- form (part months at either end from questionnaire_days, stored in date order so that
-- they read only their own days and need no join with the referrals; any period with a
-- condition chosen from the forms themselves: macro questionnaire_field_counts,
-- queries/derive_table_macros_completeness.sql).
-- Run by the importer after every batch (wellpath.db.apply_derived).
-- scope: none
-- reads: assessments, referrals, assessment_scores
--
-- Columns: practice_code, worker_id (the referral's; NULL kept as its own group),
-- assessment_date (questionnaire_days) or month_start (first of the month of the form's
-- date, questionnaire_months); form_count, total_n (forms with a total recorded),
-- complete_n (forms complete as scored).
-- Forms of a referral not in referrals are left out, as the page's query leaves them out.
create or replace table questionnaire_days as
with assessments_src as (
    select assessment_id, referral_id, assessment_date, total from assessments
),

scores_src as (
    select assessment_id, is_complete from assessment_scores
),

referrals_src as (
    select referral_id, practice_code, worker_id from referrals
)

select
    r.practice_code,
    r.worker_id,
    a.assessment_date,
    count(*) as form_count,
    count(a.total) as total_n,
    count_if(coalesce(s.is_complete, false))::bigint as complete_n
from assessments_src as a
inner join referrals_src as r on r.referral_id = a.referral_id
left join scores_src as s on s.assessment_id = a.assessment_id
group by all
order by a.assessment_date, r.practice_code;

create or replace table questionnaire_months as
select
    practice_code,
    worker_id,
    date_trunc('month', assessment_date)::date as month_start,
    sum(form_count)::bigint as form_count,
    sum(total_n)::bigint as total_n,
    sum(complete_n)::bigint as complete_n
from questionnaire_days
group by all
order by practice_code, month_start;
