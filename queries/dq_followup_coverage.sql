-- Follow-up questionnaire coverage, one row per instrument: of the engaged referrals
-- (accepted, at least one attended contact) made in the period, how many have a baseline
-- form, how many of those have a later follow-up form, and how many forms were incomplete.
-- A form is complete when it can be scored (assessment_scores.is_complete); incomplete
-- forms are neither baselines nor follow-ups (measures.md), but are counted so that the gap
-- they leave is visible. Forms are counted whenever they were completed, up to
-- the report date. Discharged-without-follow-up: baseline, no follow-up, discharged by the
-- report date (the chance to follow up has passed).
-- level: aggregate
-- percentages: baseline_pct = baseline_count / engaged_count; followup_pct = followup_count / baseline_count
-- referral_facts (built at import) holds each referral's first attended contact, so
-- "at least one attended contact by the report date" reads no contacts; each referral's
-- forms by instrument, as at any report date, are one row of referral_instrument_forms
-- (derive_referral_forms.sql; tests/sql/test_record_dates_aggregates.py holds this equal to
-- the count from every form and contact, kept in tests/sql/reference/).
with engaged_referrals as (
    select referral_id
    from scoped_referrals($practice_codes, $conditions, $worker_ids)
    where referral_date between $start_date and $end_date
      and triage_outcome = 'accepted'
      and first_attended_contact_date <= $report_date
),

forms_src as (
    select
        instrument, first_form_date, baseline_date, first_later_date, incomplete_dates,
        last_incomplete_date, discharge_date
    from scoped_referral_forms($practice_codes, $conditions, $worker_ids)
    where referral_date between $start_date and $end_date
      and triage_outcome = 'accepted'
      and first_attended_contact_date <= $report_date
      and first_form_date <= $report_date
),

instrument_order as (
    select * from (values
        ('PSEQ', 1), ('PSEQ2', 2), ('SWEMWBS', 3), ('WEMWBS', 4), ('ONS4', 5), ('PSFS', 6),
        ('WBSTAR', 7)
    ) as t(instrument, instrument_order)
),

-- As at the report date: a baseline dated by then, followed up when its first later form
-- is; incomplete forms dated by then (all of them when the latest is).
as_at_report as (
    select
        instrument,
        coalesce(baseline_date <= $report_date, false) as has_baseline,
        coalesce(baseline_date <= $report_date and first_later_date <= $report_date, false)
            as has_followup,
        coalesce(discharge_date <= $report_date, false) as is_discharged,
        case
            when last_incomplete_date is null then 0
            when last_incomplete_date <= $report_date then len(incomplete_dates)
            else len(list_filter(incomplete_dates, d -> d <= $report_date))
        end as incomplete_forms
    from forms_src
),

engaged as (
    select count(*)::bigint as engaged_count from engaged_referrals
),

by_instrument as (
    select
        instrument,
        count_if(has_baseline) as baseline_count,
        count_if(has_followup) as followup_count,
        count_if(has_baseline and not has_followup and is_discharged)
            as discharged_without_followup_count,
        sum(incomplete_forms) as incomplete_form_count
    from as_at_report
    group by instrument
)

select
    b.instrument,
    e.engaged_count,
    b.baseline_count::bigint as baseline_count,
    b.followup_count::bigint as followup_count,
    b.discharged_without_followup_count::bigint as discharged_without_followup_count,
    coalesce(b.incomplete_form_count, 0)::bigint as incomplete_form_count,
    round(100.0 * b.baseline_count / nullif(e.engaged_count, 0), 1) as baseline_pct,
    round(100.0 * b.followup_count / nullif(b.baseline_count, 0), 1) as followup_pct
from by_instrument as b
cross join engaged as e
left join instrument_order as i on i.instrument = b.instrument
order by i.instrument_order, b.instrument
