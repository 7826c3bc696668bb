-- Completeness of each field of each contract table: of the rows in scope and period, how
-- many have the field filled in. One row per table and field, in the contract's order.
-- Rows counted: referrals dated in the period; their patients; contacts, goals and
-- questionnaires dated in the period on referrals in scope; healthcare use and prescription
-- months in the period for patients of the practices in scope; the practices in scope; the
-- link workers chosen (all when none is chosen). "items" of a questionnaire counts complete
-- forms (is_complete of assessment_scores: scorable from its items or its total); single
-- items are not listed, as items beyond an instrument's count are empty by rule.
-- level: aggregate
-- percentages: filled_pct = filled_count / row_count
-- The scope's referrals are read through scoped_referrals (referral_facts holds every
-- field of referrals as sent) by each CTE that needs them, not from one CTE read three
-- times, which DuckDB would copy whole (2.7M national referrals, every column).
with patients_src as (
    select * from patients
),

-- Contacts and questionnaires counted per practice and month at import (contact_months,
-- questionnaire_months), with the part months at either end of the period and any period
-- with a condition chosen counted from the rows (macros contact_counts and
-- questionnaire_field_counts, filtered as scoped_referrals filters referrals).
contact_counts_src as (
    select mode, contact_count, minutes_n, attendance_n
    from contact_counts($practice_codes, $conditions, $worker_ids, $start_date, $end_date)
),

questionnaire_counts_src as (
    select form_count, total_n, complete_n
    from questionnaire_field_counts(
        $practice_codes, $conditions, $worker_ids, $start_date, $end_date
    )
),

-- The scope's goals carry their referral's practice, condition and worker (goal_facts,
-- macro scoped_goals): a filter, not a join with the referrals.
goals_src as (
    select goal_id, referral_id, domain, agreed_date, status, closed_date
    from scoped_goals($practice_codes, $conditions, $worker_ids)
    where agreed_date between $start_date and $end_date
),

healthcare_use_src as (
    select * from healthcare_use
),

prescriptions_src as (
    select * from prescriptions
),

practices_src as (
    select * from practices
),

link_workers_src as (
    select * from link_workers
),

table_columns as (
    select table_name, column_name, ordinal_position
    from information_schema.columns
    where table_schema = 'main'
),

referrals_in_scope as (
    select
        referral_id, patient_id, practice_code, referral_date, referrer_role, condition,
        symptom_months, triage_outcome, triage_date, worker_id, first_contact_date,
        action_plan_date, discharge_date, discharge_reason
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
    where referral_date between $start_date and $end_date
),

-- Patients whose use of healthcare is in view: at the practices in scope and, when a
-- condition or link worker is chosen, with a referral matching it.
patients_in_view as (
    select p.*
    from patients_src as p
    where p.practice_code in (select unnest($practice_codes))
      and (($conditions is null and $worker_ids is null)
           or p.patient_id in (
               select patient_id from scoped_referrals($practice_codes, $conditions, $worker_ids)
           ))
),

referral_fields as (
    select
        'referrals' as table_name,
        count(*) as row_count,
        count(referral_id) as referral_id,
        count(patient_id) as patient_id,
        count(practice_code) as practice_code,
        count(referral_date) as referral_date,
        count(referrer_role) as referrer_role,
        count(condition) as condition,
        count(symptom_months) as symptom_months,
        count(triage_outcome) as triage_outcome,
        count(triage_date) as triage_date,
        count(worker_id) as worker_id,
        count(first_contact_date) as first_contact_date,
        count(action_plan_date) as action_plan_date,
        count(discharge_date) as discharge_date,
        count(discharge_reason) as discharge_reason
    from referrals_in_scope
),

patient_fields as (
    select
        'patients' as table_name,
        count(*) as row_count,
        count(patient_id) as patient_id,
        count(practice_code) as practice_code,
        count(birth_year) as birth_year,
        count(sex) as sex,
        count(ethnic_group) as ethnic_group,
        count(imd_decile) as imd_decile,
        count(cohort) as cohort
    from patients_src
    where patient_id in (
        select patient_id
        from scoped_referrals($practice_codes, $conditions, $worker_ids)
        where referral_date between $start_date and $end_date
    )
),

-- contact_id, referral_id and contact_date are never empty (not null in the schema), so
-- each is filled on every contact counted.
contact_fields as (
    select
        'contacts' as table_name,
        n as row_count,
        n as contact_id,
        n as referral_id,
        n as contact_date,
        mode_n as mode,
        minutes_n as minutes,
        attendance_n as attendance
    from (
        select
            coalesce(sum(contact_count), 0)::bigint as n,
            coalesce(sum(contact_count) filter (where mode is not null), 0)::bigint as mode_n,
            coalesce(sum(minutes_n), 0)::bigint as minutes_n,
            coalesce(sum(attendance_n), 0)::bigint as attendance_n
        from contact_counts_src
    )
),

goal_fields as (
    select
        'goals' as table_name,
        count(*) as row_count,
        count(g.goal_id) as goal_id,
        count(g.referral_id) as referral_id,
        count(g.domain) as domain,
        count(g.agreed_date) as agreed_date,
        count(g.status) as status,
        count(g.closed_date) as closed_date
    from goals_src as g
),

-- assessment_id, referral_id, instrument and assessment_date are never empty (not null in
-- the schema).
assessment_fields as (
    select
        'assessments' as table_name,
        n as row_count,
        n as assessment_id,
        n as referral_id,
        n as instrument,
        n as assessment_date,
        complete_n as item_01,
        total_n as total
    from (
        select
            coalesce(sum(form_count), 0)::bigint as n,
            coalesce(sum(complete_n), 0)::bigint as complete_n,
            coalesce(sum(total_n), 0)::bigint as total_n
        from questionnaire_counts_src
    )
),

-- With no condition or link worker chosen, every patient of the practices in scope is in
-- view: the monthly tables are read from their per-practice counts (healthcare_practice_months,
-- built at import); otherwise from the rows of the people in view. DuckDB folds the bound
-- parameters, so only one of the two branches reads anything.
monthly_counts as (
    select *
    from healthcare_practice_months
    where $conditions is null and $worker_ids is null
      and practice_code in (select unnest($practice_codes))
      and month between date_trunc('month', $start_date::date) and $end_date
),

healthcare_use_fields as (
    select
        'healthcare_use' as table_name,
        cast(sum(row_count) as bigint) as row_count,
        cast(sum(patient_id) as bigint) as patient_id,
        cast(sum(month) as bigint) as month,
        cast(sum(gp_appointments) as bigint) as gp_appointments,
        cast(sum(ae_attendances) as bigint) as ae_attendances,
        cast(sum(outpatient_attendances) as bigint) as outpatient_attendances,
        cast(sum(nonelective_admissions) as bigint) as nonelective_admissions
    from (
        select
            row_count, patient_id, month_filled as month, gp_appointments, ae_attendances,
            outpatient_attendances, nonelective_admissions
        from monthly_counts
        where table_name = 'healthcare_use'
        union all
        select
            count(*), count(h.patient_id), count(h.month), count(h.gp_appointments),
            count(h.ae_attendances), count(h.outpatient_attendances),
            count(h.nonelective_admissions)
        from healthcare_use_src as h
        where not ($conditions is null and $worker_ids is null)
          and h.patient_id in (select patient_id from patients_in_view)
          and h.month between date_trunc('month', $start_date::date) and $end_date
    )
),

prescription_fields as (
    select
        'prescriptions' as table_name,
        cast(sum(row_count) as bigint) as row_count,
        cast(sum(patient_id) as bigint) as patient_id,
        cast(sum(month) as bigint) as month,
        cast(sum(opioid_items) as bigint) as opioid_items,
        cast(sum(gabapentinoid_items) as bigint) as gabapentinoid_items,
        cast(sum(antidepressant_items) as bigint) as antidepressant_items
    from (
        select
            row_count, patient_id, month_filled as month, opioid_items, gabapentinoid_items,
            antidepressant_items
        from monthly_counts
        where table_name = 'prescriptions'
        union all
        select
            count(*), count(p.patient_id), count(p.month), count(p.opioid_items),
            count(p.gabapentinoid_items), count(p.antidepressant_items)
        from prescriptions_src as p
        where not ($conditions is null and $worker_ids is null)
          and p.patient_id in (select patient_id from patients_in_view)
          and p.month between date_trunc('month', $start_date::date) and $end_date
    )
),

practice_fields as (
    select
        'practices' as table_name,
        count(*) as row_count,
        count(practice_code) as practice_code,
        count(practice_name) as practice_name,
        count(pcn_code) as pcn_code,
        count(pcn_name) as pcn_name,
        count(list_size) as list_size,
        count(role) as role
    from practices_src
    where practice_code in (select unnest($practice_codes))
),

link_worker_fields as (
    select
        'link_workers' as table_name,
        count(*) as row_count,
        count(worker_id) as worker_id,
        count(display_name) as display_name,
        count(job_role) as job_role,
        count(fte) as fte,
        count(start_date) as start_date,
        count(end_date) as end_date
    from link_workers_src
    where $worker_ids is null or list_contains($worker_ids, worker_id)
),

all_fields as (
    unpivot referral_fields on columns(* exclude (table_name, row_count))
        into name column_name value filled_count
    union all by name
    unpivot patient_fields on columns(* exclude (table_name, row_count))
        into name column_name value filled_count
    union all by name
    unpivot contact_fields on columns(* exclude (table_name, row_count))
        into name column_name value filled_count
    union all by name
    unpivot goal_fields on columns(* exclude (table_name, row_count))
        into name column_name value filled_count
    union all by name
    unpivot assessment_fields on columns(* exclude (table_name, row_count))
        into name column_name value filled_count
    union all by name
    unpivot healthcare_use_fields on columns(* exclude (table_name, row_count))
        into name column_name value filled_count
    union all by name
    unpivot prescription_fields on columns(* exclude (table_name, row_count))
        into name column_name value filled_count
    union all by name
    unpivot practice_fields on columns(* exclude (table_name, row_count))
        into name column_name value filled_count
    union all by name
    unpivot link_worker_fields on columns(* exclude (table_name, row_count))
        into name column_name value filled_count
)

select
    f.table_name,
    -- item_01 stands for the whole form: it sorts where the items start.
    case when f.table_name = 'assessments' and f.column_name = 'item_01' then 'items'
         else f.column_name end as column_name,
    f.row_count::bigint as row_count,
    f.filled_count::bigint as filled_count,
    round(100.0 * f.filled_count / nullif(f.row_count, 0), 1) as filled_pct
from all_fields as f
left join table_columns as c
    on c.table_name = f.table_name and c.column_name = f.column_name
order by
    list_position(
        ['practices', 'link_workers', 'patients', 'referrals', 'contacts', 'goals',
         'assessments', 'healthcare_use', 'prescriptions'],
        f.table_name),
    c.ordinal_position
