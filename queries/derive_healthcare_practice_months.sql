-- Rebuilds healthcare_practice_months: the two monthly tables (healthcare_use and
-- prescriptions) counted per practice (the patient's practice in patients) and month, so that
-- the Data quality page's completeness and freshness read a few rows per practice instead of
-- every monthly row when no condition or link worker is chosen (with one chosen they read
-- the rows of the people concerned, as before). Run by the importer after every batch
-- (wellpath.db.apply_derived).
-- scope: none
-- reads: healthcare_use, prescriptions, patients
--
-- Columns: table_name ('healthcare_use' or 'prescriptions'), practice_code, month,
-- row_count (rows), and per column the rows with it filled in: patient_id, month_filled,
-- then gp_appointments, ae_attendances, outpatient_attendances, nonelective_admissions
-- (healthcare_use; NULL for prescriptions) and opioid_items, gabapentinoid_items,
-- antidepressant_items (prescriptions; NULL for healthcare_use). Rows of a patient not in
-- patients are left out, as the page's queries leave them out.
create or replace table healthcare_practice_months as
with patients_src as (
    select patient_id, practice_code from patients
),

use_src as (
    select * from healthcare_use
),

rx_src as (
    select * from prescriptions
)

select
    'healthcare_use' as table_name,
    p.practice_code,
    h.month,
    count(*) as row_count,
    count(h.patient_id) as patient_id,
    count(h.month) as month_filled,
    count(h.gp_appointments) as gp_appointments,
    count(h.ae_attendances) as ae_attendances,
    count(h.outpatient_attendances) as outpatient_attendances,
    count(h.nonelective_admissions) as nonelective_admissions,
    cast(null as bigint) as opioid_items,
    cast(null as bigint) as gabapentinoid_items,
    cast(null as bigint) as antidepressant_items
from use_src as h
inner join patients_src as p using (patient_id)
group by p.practice_code, h.month
union all
select
    'prescriptions' as table_name,
    p.practice_code,
    x.month,
    count(*) as row_count,
    count(x.patient_id) as patient_id,
    count(x.month) as month_filled,
    null,
    null,
    null,
    null,
    count(x.opioid_items),
    count(x.gabapentinoid_items),
    count(x.antidepressant_items)
from rx_src as x
inner join patients_src as p using (patient_id)
group by p.practice_code, x.month
order by table_name, practice_code, month
