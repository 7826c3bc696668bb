-- Rebuilds referral_record_dates: one row per referral with any contact, goal or
-- questionnaire, holding the earliest and latest date of each kind of record (over the whole
-- record, any attendance), so that the Data quality page's consistency checks and freshness
-- read 2.7M rows instead of 26M contacts at national scale. Run by the importer after every
-- batch (wellpath.db.apply_derived); the macro referral_check_flags
-- (derive_table_macros_quality.sql) reads it.
-- scope: none
-- reads: contacts, goals, assessments
-- One row per referral from that referral's own rows: after a small batch only the
-- referrals it touched are rebuilt (the "by referral" marks).
--
-- Columns: referral_id; earliest_contact_date, latest_contact_date (any attendance);
-- earliest_goal_date (agreed); earliest_form_date, latest_form_date (questionnaires).
-- A referral with no record of any kind has no row.
create or replace table referral_record_dates as
with contacts_src as (
    select referral_id, contact_date from contacts /*by referral*/
),

goals_src as (
    select referral_id, agreed_date from goals /*by referral*/
),

assessments_src as (
    select referral_id, assessment_date from assessments /*by referral*/
),

contact_dates as (
    select
        referral_id,
        min(contact_date) as earliest_contact_date,
        max(contact_date) as latest_contact_date
    from contacts_src
    group by referral_id
),

goal_dates as (
    select referral_id, min(agreed_date) as earliest_goal_date
    from goals_src
    group by referral_id
),

form_dates as (
    select
        referral_id,
        min(assessment_date) as earliest_form_date,
        max(assessment_date) as latest_form_date
    from assessments_src
    group by referral_id
)

select
    referral_id,
    c.earliest_contact_date,
    c.latest_contact_date,
    g.earliest_goal_date,
    f.earliest_form_date,
    f.latest_form_date
from contact_dates as c
full join goal_dates as g using (referral_id)
full join form_dates as f using (referral_id);
