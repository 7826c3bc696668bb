-- Wellpath's DuckDB schema: the data contract's tables (same names and columns as
-- ../shared/spec/data-contract.md), the import bookkeeping tables, and the macros that
-- define the contract's "derived notions" once for every query and every analyst.
-- Applied by wellpath.db.ensure_schema(); every statement is idempotent.
-- Foreign keys are checked by the importer (so rejected children are kept with a reason)
-- rather than declared, because DuckDB foreign keys forbid keyed updates of parent rows.
-- Nor are the contract tables' keys declared (contract.Table.key): the importer keeps them
-- (one row per key in a file, loaded by deleting and inserting the changed keys, as in a
-- DuckLake), because a primary key's index costs more than the rest of the import on the
-- monthly tables (73 million rows each nationally) and must fit in memory as it is built.

create table if not exists practices (
    practice_code varchar not null,
    practice_name varchar not null,
    pcn_code varchar,
    pcn_name varchar,
    list_size integer,
    role varchar not null default 'pilot'
);

create table if not exists link_workers (
    worker_id varchar not null,
    display_name varchar not null,
    job_role varchar,
    fte double,
    start_date date not null,
    end_date date
);

create table if not exists patients (
    patient_id varchar not null,
    practice_code varchar not null,
    birth_year integer,
    sex varchar,
    ethnic_group varchar,
    imd_decile integer,
    cohort varchar not null default 'referred'
);

create table if not exists referrals (
    referral_id varchar not null,
    patient_id varchar not null,
    practice_code varchar not null,
    referral_date date not null,
    referrer_role varchar,
    condition varchar,
    symptom_months integer,
    triage_outcome varchar,
    triage_date date,
    worker_id varchar,
    first_contact_date date,
    action_plan_date date,
    discharge_date date,
    discharge_reason varchar
);

create table if not exists contacts (
    contact_id varchar not null,
    referral_id varchar not null,
    contact_date date not null,
    mode varchar,
    minutes integer,
    attendance varchar
);

create table if not exists goals (
    goal_id varchar not null,
    referral_id varchar not null,
    domain varchar,
    agreed_date date not null,
    status varchar,
    closed_date date
);

create table if not exists assessments (
    assessment_id varchar not null,
    referral_id varchar not null,
    instrument varchar not null,
    assessment_date date not null,
    item_01 integer, item_02 integer, item_03 integer, item_04 integer, item_05 integer,
    item_06 integer, item_07 integer, item_08 integer, item_09 integer, item_10 integer,
    item_11 integer, item_12 integer, item_13 integer, item_14 integer,
    total double
);

-- month is stored as the first day of the month (the file carries YYYY-MM).
create table if not exists healthcare_use (
    patient_id varchar not null,
    month date not null,
    gp_appointments integer,
    ae_attendances integer,
    outpatient_attendances integer,
    nonelective_admissions integer
);

create table if not exists prescriptions (
    patient_id varchar not null,
    month date not null,
    opioid_items integer,
    gabapentinoid_items integer,
    antidepressant_items integer
);

-- Version 2 of the contract (optional tables and columns; a version-1 file gains them empty).
alter table goals add column if not exists barrier varchar;

create table if not exists practice_engagement (
    engagement_id varchar not null,
    practice_code varchar not null,
    worker_id varchar not null,
    engagement_date date not null,
    kind varchar not null,
    minutes integer
);

create table if not exists stories (
    story_id varchar not null,
    referral_id varchar not null,
    story_date date not null,
    consent varchar not null,
    title varchar not null,
    text varchar not null
);

-- One row per import attempt that loaded (a refused batch changes nothing, so it is not here).
create table if not exists import_batches (
    batch_id varchar primary key,
    imported_at timestamp not null,
    source_name varchar not null,
    file_checksums varchar,      -- JSON object: file name -> sha256
    rows_loaded varchar,         -- JSON object: table name -> rows inserted or updated
    rows_rejected varchar,       -- JSON object: table name -> rows rejected
    rows_loaded_total integer,
    rows_rejected_total integer,
    status varchar not null,     -- 'loaded' or 'loaded_with_rejections' or 'unchanged'
    run_by varchar,
    is_demo boolean not null default false
);
-- The DuckLake snapshot the import committed (wellpath.lake); NULL in a DuckDB file.
alter table import_batches add column if not exists snapshot_id bigint;

-- Every rule a rejected row broke, one row per rule; raw_row keeps the row as sent (JSON).
create table if not exists rejected_rows (
    batch_id varchar not null,
    table_name varchar not null,
    row_number integer not null,  -- data row in its file, first data row = 1
    column_name varchar,
    value varchar,
    rule varchar not null,
    raw_row varchar not null
);

-- Which version of Wellpath last built the schema and derived tables (wellpath.db.code_version).
create table if not exists wellpath_meta (
    key varchar primary key,
    value varchar
);

-- Derived notions (data-contract.md, "Derived notions"): one definition, used by every query.
-- Waiting time: referral_date to first_contact_date, in days.
create or replace macro wait_days(referral_date, first_contact_date) as
    date_diff('day', referral_date, first_contact_date);

-- Caseload start: first contact, or triage date when there was no contact.
create or replace macro caseload_start_date(first_contact_date, triage_date) as
    coalesce(first_contact_date, triage_date);

-- Caseload length: start to discharge, or to the report date while still open.
create or replace macro caseload_days(first_contact_date, triage_date, discharge_date, report_date) as
    date_diff('day', coalesce(first_contact_date, triage_date), coalesce(discharge_date, report_date));

-- 30.4375 days a month: wellpath.contract.DAYS_PER_MONTH (a test holds the two together).
create or replace macro days_to_months(days) as days / 30.4375;

-- Active caseload on a date: accepted, first contact on or before it, no discharge before it.
create or replace macro is_active_on(triage_outcome, first_contact_date, discharge_date, on_date) as
    coalesce(triage_outcome = 'accepted' and first_contact_date <= on_date
             and (discharge_date is null or discharge_date >= on_date), false);

-- Age in whole years at a date, from birth year only (the contract carries no birth date).
create or replace macro age_at(birth_year, on_date) as year(on_date) - birth_year;
