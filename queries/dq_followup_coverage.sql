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
-- scope: practice_codes (filtered by hand; to move onto scoped_referrals)
-- referral_facts (built at import) holds each referral's first attended contact, so
-- "at least one attended contact by the report date" reads no contacts.
with referrals_src as (
    select * from referral_facts
),

-- Scores, completeness and baseline/follow-up order as derive_assessment_scores.sql sets
-- them (assessment_number 1 = baseline), so this page and Outcomes agree.
scores_src as (
    select referral_id, instrument, assessment_date, is_complete, assessment_number
    from assessment_scores
),

instrument_order as (
    select * from (values
        ('PSEQ', 1), ('PSEQ2', 2), ('SWEMWBS', 3), ('WEMWBS', 4), ('ONS4', 5), ('PSFS', 6),
        ('WBSTAR', 7)
    ) as t(instrument, instrument_order)
),

engaged_referrals as (
    select r.referral_id, r.discharge_date
    from referrals_src as r
    where r.practice_code in (select unnest($practice_codes))
      and ($conditions is null or list_contains($conditions, r.condition))
      and ($worker_ids is null or list_contains($worker_ids, r.worker_id))
      and r.referral_date between $start_date and $end_date
      and r.triage_outcome = 'accepted'
      and r.first_attended_contact_date <= $report_date
),

forms as (
    select s.referral_id, s.instrument, s.assessment_date, s.is_complete, s.assessment_number
    from scores_src as s
    where s.referral_id in (select referral_id from engaged_referrals)
      and s.assessment_date <= $report_date
),

-- A follow-up is a later-numbered complete form dated after the baseline: one exists when
-- the latest such form is dated after it (the same as looking for any, without a join).
with_followup as (
    select
        f.referral_id,
        f.instrument,
        min(f.assessment_date) filter (where f.assessment_number = 1) as baseline_date,
        count(*) filter (where not f.is_complete) as incomplete_forms,
        coalesce(
            max(f.assessment_date) filter (where f.assessment_number > 1)
                > min(f.assessment_date) filter (where f.assessment_number = 1),
            false
        ) as has_followup
    from forms as f
    group by f.referral_id, f.instrument
),

instruments_used as (
    select distinct instrument from with_followup
)

select
    u.instrument,
    (select count(*) from engaged_referrals) as engaged_count,
    count(w.baseline_date) as baseline_count,
    count_if(w.has_followup)::bigint as followup_count,
    count_if(w.baseline_date is not null and not w.has_followup
             and e.discharge_date <= $report_date)::bigint as discharged_without_followup_count,
    coalesce(sum(w.incomplete_forms), 0)::bigint as incomplete_form_count,
    round(100.0 * count(w.baseline_date)
        / nullif((select count(*) from engaged_referrals), 0), 1) as baseline_pct,
    round(100.0 * count_if(w.has_followup) / nullif(count(w.baseline_date), 0), 1)
        as followup_pct
from instruments_used as u
left join instrument_order as i on i.instrument = u.instrument
left join with_followup as w on w.instrument = u.instrument
left join engaged_referrals as e on e.referral_id = w.referral_id
group by u.instrument, i.instrument_order
order by i.instrument_order, u.instrument
