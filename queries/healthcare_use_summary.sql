-- healthcare_use_before_after's people, summed: one row per cohort, after-window, index month
-- and whether the person is a frequent attender (frequent: gp_appointments_before >=
-- $frequent_at; the index month so that the Contract tracker can sum the people whose
-- after-window ends in each quarter, and the Healthcare use page sums over them all),
-- with the number of people (person_n) and, per measure over the people whose before and
-- after are both known, their number (<measure>_n) and the sums of before, after, their
-- squares and the square of the change (after minus before), and, for the costed measures,
-- the sums of the products of two measures' changes, and <measure>_changes: how many people
-- changed by each whole amount (a map; changes of 10 or more either way pooled at +/-10, as
-- wellpath.costs.change_distribution pools them). Every mean, SD, t interval, difference
-- in differences and cost figure of the Healthcare use page is a function of these whole
-- numbers (wellpath.views.healthcare, tested to agree with the person rows), so a page
-- fetches a few rows, not one per person.
-- level: person
-- (Person-level sums, no pseudonyms; person_n and <measure>_n are exact on purpose, not
-- *_count columns the query layer rounds: the view computes its statistics from the exact
-- sums and protects what it publishes, as it did from the person rows.)
-- scope: practice_codes (filtered by hand, as healthcare_use_before_after)
with people as (
    select
        *,
        gp_appointments_before >= $frequent_at as frequent
    from healthcare_use_people($practice_codes, $conditions, $worker_ids, $start_date, $end_date)
),

known as (
    -- each measure's before and after where both are known, else NULL (a pair), so that
    -- the sums below need no FILTER: one per aggregate was 0.15 s of 1.5M national rows.
    -- (The histograms keep theirs: greatest and least skip a NULL, so a change not known
    -- would be counted at -10 or +10.)
    select
        cohort,
        after_window,
        index_month,
        frequent,
        case when gp_appointments_after is not null then gp_appointments_before end as gp_appointments_paired_before,
        case when gp_appointments_before is not null then gp_appointments_after end as gp_appointments_paired_after,
        case when ae_attendances_after is not null then ae_attendances_before end as ae_attendances_paired_before,
        case when ae_attendances_before is not null then ae_attendances_after end as ae_attendances_paired_after,
        case when outpatient_attendances_after is not null then outpatient_attendances_before end as outpatient_attendances_paired_before,
        case when outpatient_attendances_before is not null then outpatient_attendances_after end as outpatient_attendances_paired_after,
        case when nonelective_admissions_after is not null then nonelective_admissions_before end as nonelective_admissions_paired_before,
        case when nonelective_admissions_before is not null then nonelective_admissions_after end as nonelective_admissions_paired_after,
        case when opioid_items_after is not null then opioid_items_before end as opioid_items_paired_before,
        case when opioid_items_before is not null then opioid_items_after end as opioid_items_paired_after,
        case when gabapentinoid_items_after is not null then gabapentinoid_items_before end as gabapentinoid_items_paired_before,
        case when gabapentinoid_items_before is not null then gabapentinoid_items_after end as gabapentinoid_items_paired_after
    from people
)

select
    cohort,
    after_window,
    index_month,
    frequent,
    count(*) as person_n,
    count(gp_appointments_paired_before) as gp_appointments_n,
    sum(gp_appointments_paired_before) as gp_appointments_before_sum,
    sum(gp_appointments_paired_after) as gp_appointments_after_sum,
    sum(gp_appointments_paired_before * gp_appointments_paired_before) as gp_appointments_before_sq,
    sum(gp_appointments_paired_after * gp_appointments_paired_after) as gp_appointments_after_sq,
    sum((gp_appointments_paired_after - gp_appointments_paired_before) * (gp_appointments_paired_after - gp_appointments_paired_before))
        as gp_appointments_change_sq,
    count(ae_attendances_paired_before) as ae_attendances_n,
    sum(ae_attendances_paired_before) as ae_attendances_before_sum,
    sum(ae_attendances_paired_after) as ae_attendances_after_sum,
    sum(ae_attendances_paired_before * ae_attendances_paired_before) as ae_attendances_before_sq,
    sum(ae_attendances_paired_after * ae_attendances_paired_after) as ae_attendances_after_sq,
    sum((ae_attendances_paired_after - ae_attendances_paired_before) * (ae_attendances_paired_after - ae_attendances_paired_before))
        as ae_attendances_change_sq,
    count(outpatient_attendances_paired_before) as outpatient_attendances_n,
    sum(outpatient_attendances_paired_before) as outpatient_attendances_before_sum,
    sum(outpatient_attendances_paired_after) as outpatient_attendances_after_sum,
    sum(outpatient_attendances_paired_before * outpatient_attendances_paired_before) as outpatient_attendances_before_sq,
    sum(outpatient_attendances_paired_after * outpatient_attendances_paired_after) as outpatient_attendances_after_sq,
    sum((outpatient_attendances_paired_after - outpatient_attendances_paired_before) * (outpatient_attendances_paired_after - outpatient_attendances_paired_before))
        as outpatient_attendances_change_sq,
    count(nonelective_admissions_paired_before) as nonelective_admissions_n,
    sum(nonelective_admissions_paired_before) as nonelective_admissions_before_sum,
    sum(nonelective_admissions_paired_after) as nonelective_admissions_after_sum,
    sum(nonelective_admissions_paired_before * nonelective_admissions_paired_before) as nonelective_admissions_before_sq,
    sum(nonelective_admissions_paired_after * nonelective_admissions_paired_after) as nonelective_admissions_after_sq,
    sum((nonelective_admissions_paired_after - nonelective_admissions_paired_before) * (nonelective_admissions_paired_after - nonelective_admissions_paired_before))
        as nonelective_admissions_change_sq,
    count(opioid_items_paired_before) as opioid_items_n,
    sum(opioid_items_paired_before) as opioid_items_before_sum,
    sum(opioid_items_paired_after) as opioid_items_after_sum,
    sum(opioid_items_paired_before * opioid_items_paired_before) as opioid_items_before_sq,
    sum(opioid_items_paired_after * opioid_items_paired_after) as opioid_items_after_sq,
    sum((opioid_items_paired_after - opioid_items_paired_before) * (opioid_items_paired_after - opioid_items_paired_before))
        as opioid_items_change_sq,
    count(gabapentinoid_items_paired_before) as gabapentinoid_items_n,
    sum(gabapentinoid_items_paired_before) as gabapentinoid_items_before_sum,
    sum(gabapentinoid_items_paired_after) as gabapentinoid_items_after_sum,
    sum(gabapentinoid_items_paired_before * gabapentinoid_items_paired_before) as gabapentinoid_items_before_sq,
    sum(gabapentinoid_items_paired_after * gabapentinoid_items_paired_after) as gabapentinoid_items_after_sq,
    sum((gabapentinoid_items_paired_after - gabapentinoid_items_paired_before) * (gabapentinoid_items_paired_after - gabapentinoid_items_paired_before))
        as gabapentinoid_items_change_sq,
    sum((gp_appointments_paired_after - gp_appointments_paired_before) * (ae_attendances_paired_after - ae_attendances_paired_before))
        as gp_appointments_x_ae_attendances_change,
    sum((gp_appointments_paired_after - gp_appointments_paired_before) * (outpatient_attendances_paired_after - outpatient_attendances_paired_before))
        as gp_appointments_x_outpatient_attendances_change,
    sum((gp_appointments_paired_after - gp_appointments_paired_before) * (nonelective_admissions_paired_after - nonelective_admissions_paired_before))
        as gp_appointments_x_nonelective_admissions_change,
    sum((ae_attendances_paired_after - ae_attendances_paired_before) * (outpatient_attendances_paired_after - outpatient_attendances_paired_before))
        as ae_attendances_x_outpatient_attendances_change,
    sum((ae_attendances_paired_after - ae_attendances_paired_before) * (nonelective_admissions_paired_after - nonelective_admissions_paired_before))
        as ae_attendances_x_nonelective_admissions_change,
    sum((outpatient_attendances_paired_after - outpatient_attendances_paired_before) * (nonelective_admissions_paired_after - nonelective_admissions_paired_before))
        as outpatient_attendances_x_nonelective_admissions_change,
    histogram(greatest(-10, least(10, gp_appointments_paired_after - gp_appointments_paired_before)))
        filter (where gp_appointments_paired_after is not null) as gp_appointments_changes,
    histogram(greatest(-10, least(10, ae_attendances_paired_after - ae_attendances_paired_before)))
        filter (where ae_attendances_paired_after is not null) as ae_attendances_changes,
    histogram(greatest(-10, least(10, outpatient_attendances_paired_after - outpatient_attendances_paired_before)))
        filter (where outpatient_attendances_paired_after is not null) as outpatient_attendances_changes,
    histogram(greatest(-10, least(10, nonelective_admissions_paired_after - nonelective_admissions_paired_before)))
        filter (where nonelective_admissions_paired_after is not null) as nonelective_admissions_changes,
    histogram(greatest(-10, least(10, opioid_items_paired_after - opioid_items_paired_before)))
        filter (where opioid_items_paired_after is not null) as opioid_items_changes,
    histogram(greatest(-10, least(10, gabapentinoid_items_paired_after - gabapentinoid_items_paired_before)))
        filter (where gabapentinoid_items_paired_after is not null) as gabapentinoid_items_changes
from known
group by cohort, after_window, index_month, frequent
order by cohort desc, after_window, index_month, frequent
