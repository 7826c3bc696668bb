-- Follow-up questionnaire coverage, one row per instrument: of the engaged referrals
-- (accepted, at least one attended contact) made in the period, how many have a baseline
-- form, how many of those have a later follow-up form, and how many forms were incomplete.
-- A form is complete when every item of its instrument is given or a total is given;
-- incomplete forms are neither baselines nor follow-ups (measures.md), but are counted so
-- that the gap they leave is visible. Forms are counted whenever they were completed, up to
-- the report date. Discharged-without-follow-up: baseline, no follow-up, discharged by the
-- report date (the chance to follow up has passed).
-- level: aggregate
-- percentages: baseline_pct = baseline_count / engaged_count; followup_pct = followup_count / baseline_count
with referrals_src as (
    select * from referrals
),

contacts_src as (
    select * from contacts
),

assessments_src as (
    select * from assessments
),

instrument_items as (
    select * from (values
        ('PSEQ', 10, 1), ('PSEQ2', 2, 2), ('SWEMWBS', 7, 3), ('WEMWBS', 14, 4),
        ('ONS4', 4, 5), ('PSFS', 1, 6), ('WBSTAR', 8, 7)
    ) as t(instrument, item_count, instrument_order)
),

engaged_referrals as (
    select r.referral_id, r.discharge_date
    from referrals_src as r
    where r.practice_code in (select unnest($practice_codes))
      and ($conditions is null or list_contains($conditions, r.condition))
      and ($worker_ids is null or list_contains($worker_ids, r.worker_id))
      and r.referral_date between $start_date and $end_date
      and r.triage_outcome = 'accepted'
      and exists (
          select 1 from contacts_src as c
          where c.referral_id = r.referral_id
            and c.attendance = 'attended'
            and c.contact_date <= $report_date
      )
),

forms as (
    select
        a.referral_id,
        a.instrument,
        a.assessment_date,
        a.total is not null
        or len(list_filter(
            [a.item_01, a.item_02, a.item_03, a.item_04, a.item_05, a.item_06, a.item_07,
             a.item_08, a.item_09, a.item_10, a.item_11, a.item_12, a.item_13, a.item_14],
            x -> x is not null)) >= i.item_count as is_complete
    from assessments_src as a
    join instrument_items as i on i.instrument = a.instrument
    where a.referral_id in (select referral_id from engaged_referrals)
      and a.assessment_date <= $report_date
),

per_referral as (
    select
        f.referral_id,
        f.instrument,
        min(f.assessment_date) filter (where f.is_complete) as baseline_date,
        count(*) filter (where not f.is_complete) as incomplete_forms
    from forms as f
    group by f.referral_id, f.instrument
),

with_followup as (
    select
        p.*,
        exists (
            select 1 from forms as f
            where f.referral_id = p.referral_id
              and f.instrument = p.instrument
              and f.is_complete
              and f.assessment_date > p.baseline_date
        ) as has_followup
    from per_referral as p
),

instruments_used as (
    select distinct instrument from with_followup
)

select
    i.instrument,
    (select count(*) from engaged_referrals) as engaged_count,
    count(w.baseline_date) as baseline_count,
    count_if(w.has_followup) as followup_count,
    count_if(w.baseline_date is not null and not w.has_followup
             and e.discharge_date <= $report_date) as discharged_without_followup_count,
    coalesce(sum(w.incomplete_forms), 0)::bigint as incomplete_form_count,
    round(100.0 * count(w.baseline_date)
        / nullif((select count(*) from engaged_referrals), 0), 1) as baseline_pct,
    round(100.0 * count_if(w.has_followup) / nullif(count(w.baseline_date), 0), 1)
        as followup_pct
from instruments_used as u
join instrument_items as i on i.instrument = u.instrument
left join with_followup as w on w.instrument = i.instrument
left join engaged_referrals as e on e.referral_id = w.referral_id
group by i.instrument, i.instrument_order
order by i.instrument_order
