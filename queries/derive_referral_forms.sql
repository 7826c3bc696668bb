-- Rebuilds referral_instrument_forms: one row per referral and instrument with any
-- questionnaire form, with what Data quality's follow-up coverage (queries/
-- dq_followup_coverage.sql) asks of the forms as at a report date, so that it is a filter
-- on this table instead of a grouping of 10M national forms on every page run (1.3 s):
--   first_form_date: the earliest form, complete or not (the instrument is in use by a
--     report date when this is on or before it);
--   baseline_date: the baseline (the first complete scored form, assessment_number 1,
--     derive_assessment_scores.sql);
--   first_later_date: the earliest later-numbered complete form dated AFTER the baseline
--     (the baseline has a follow-up by a report date when this is on or before it);
--   incomplete_dates: the dates of the forms that cannot be scored, in date order, and
--     last_incomplete_date, the latest of them (a report date on or after it counts them
--     all without reading the list);
-- and the referral's scope (practice, condition, worker) and the facts that make it
-- engaged by a report date (referral date, triage outcome, first attended contact) or
-- discharged (referral_facts). Stored in practice order, like the outcome candidates.
-- tests/sql/test_dq_aggregates.py holds the query equal to the count from the forms.
-- scope: none
-- reads: assessment_scores, referral_facts
-- One row per referral and instrument from that referral's rows alone: after a small batch
-- only the referrals it touched are rebuilt (the "by referral" marks).
create or replace table referral_instrument_forms as
with forms as (
    select referral_id, instrument, assessment_date, is_complete, assessment_number
    from assessment_scores /*by referral*/
),

by_instrument as (
    select
        referral_id,
        instrument,
        min(assessment_date) as first_form_date,
        min(assessment_date) filter (where assessment_number = 1) as baseline_date,
        list(assessment_date order by assessment_date) filter (where not is_complete)
            as incomplete_dates,
        max(assessment_date) filter (where not is_complete) as last_incomplete_date
    from forms
    group by referral_id, instrument
),

later_forms as (
    select b.referral_id, b.instrument, min(f.assessment_date) as first_later_date
    from by_instrument as b
    inner join forms as f
        on f.referral_id = b.referral_id
       and f.instrument = b.instrument
       and f.assessment_number > 1
       and f.assessment_date > b.baseline_date
    group by b.referral_id, b.instrument
),

referrals_src as (
    select
        referral_id, practice_code, condition, worker_id, referral_date, triage_outcome,
        first_attended_contact_date, discharge_date
    from referral_facts /*by referral*/
)

select
    r.practice_code,
    r.condition,
    r.worker_id,
    r.referral_date,
    r.triage_outcome,
    r.first_attended_contact_date,
    r.discharge_date,
    b.referral_id,
    b.instrument,
    b.first_form_date,
    b.baseline_date,
    l.first_later_date,
    coalesce(b.incomplete_dates, []) as incomplete_dates,
    b.last_incomplete_date
from by_instrument as b
inner join referrals_src as r using (referral_id)
left join later_forms as l using (referral_id, instrument)
order by r.practice_code, b.referral_id, b.instrument;
