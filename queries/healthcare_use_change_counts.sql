-- How many referred people changed by each whole amount (after minus before, changes of
-- 10 or more either way pooled at +/-10 as wellpath.costs.change_distribution pools them),
-- per after-window and measure: healthcare_use_before_after's referred people whose before
-- and after are both known, counted (the page's distribution of change, without one row per
-- person).
-- level: person
-- (Exact counts on purpose, as healthcare_use_summary: the view protects what it publishes.)
-- scope: practice_codes (filtered by hand, as healthcare_use_before_after)
with people as (
    select *
    from healthcare_use_people($practice_codes, $conditions, $worker_ids, $start_date, $end_date)
    where cohort = 'referred'
),

changes as (
    select p.after_window, c.measure, c.change
    from people as p,
        unnest([
            {'measure': 'gp_appointments', 'change': gp_appointments_after - gp_appointments_before},
            {'measure': 'ae_attendances', 'change': ae_attendances_after - ae_attendances_before},
            {'measure': 'outpatient_attendances', 'change': outpatient_attendances_after - outpatient_attendances_before},
            {'measure': 'nonelective_admissions', 'change': nonelective_admissions_after - nonelective_admissions_before},
            {'measure': 'opioid_items', 'change': opioid_items_after - opioid_items_before},
            {'measure': 'gabapentinoid_items', 'change': gabapentinoid_items_after - gabapentinoid_items_before}
        ]) as u(c)
)

select
    after_window,
    measure,
    cast(greatest(-10, least(10, change)) as integer) as change,
    count(*) as person_n
from changes
where change is not null
group by all
order by after_window, measure, change
