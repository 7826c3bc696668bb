-- Healthcare use per person: the 12 calendar months before the index month against months
-- 1-12 (after_window = 1) or 13-24 (after_window = 2) after it, for referred people and for
-- the comparison cohort. One row per person and after-window; no pseudonyms.
-- level: person
-- Index month: the calendar month of a referred person's first accepted referral (the
-- referral month itself is in neither window). A comparison person is given an index month
-- drawn from the referred people's index months: comparison people in md5(pseudonym) order
-- take evenly spaced positions of the sorted referred months, so the two groups cover the
-- same calendar months. A window counts only when the data cover all of it (healthcare_use
-- from its first to its last month; prescriptions likewise, else their columns are NULL),
-- and a person is in the period when the last day of their after-window is in the period.
-- The comparison cohort is filtered by practice only (they were not referred).
-- The sums come from healthcare_use_windows (queries/derive_healthcare_use_windows.sql,
-- built at import: every complete window of every candidate index month), so a view reads
-- no monthly table; tests/sql/test_healthcare_windows.py proves the answers equal to the
-- range join over the monthly tables this query used to run.
-- The people and their windows are macro healthcare_use_people
-- (queries/derive_healthcare_use_windows_people.sql: one copy of these rules, read by the
-- Healthcare use page's summary too), which reads them stored at import for the whole
-- service (national: 4.7 -> 2.5 s for 1.2M rows) and works them out otherwise (both
-- ways the same rows: tests/sql/test_healthcare_summary.py).
-- scope: practice_codes (filtered by hand; to move onto scoped_referrals)
with complete_windows as (
    select *
    from healthcare_use_people(
        $practice_codes, $conditions, $worker_ids, $start_date, $end_date
    )
)

select
    cohort,
    practice_code,
    condition,
    index_month,
    after_window,
    cast(gp_appointments_before as hugeint) as gp_appointments_before,
    cast(gp_appointments_after as hugeint) as gp_appointments_after,
    cast(ae_attendances_before as hugeint) as ae_attendances_before,
    cast(ae_attendances_after as hugeint) as ae_attendances_after,
    cast(outpatient_attendances_before as hugeint) as outpatient_attendances_before,
    cast(outpatient_attendances_after as hugeint) as outpatient_attendances_after,
    cast(nonelective_admissions_before as hugeint) as nonelective_admissions_before,
    cast(nonelective_admissions_after as hugeint) as nonelective_admissions_after,
    cast(opioid_items_before as hugeint) as opioid_items_before,
    cast(opioid_items_after as hugeint) as opioid_items_after,
    cast(gabapentinoid_items_before as hugeint) as gabapentinoid_items_before,
    cast(gabapentinoid_items_after as hugeint) as gabapentinoid_items_after
from complete_windows
order by cohort desc, after_window, practice_code, index_month,
         gp_appointments_before, gp_appointments_after
