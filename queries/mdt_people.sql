-- One row per referral of the chosen practice worth seeing at its MDT meeting: everyone
-- awaiting triage, waiting for a first contact or on the caseload on the meeting date, plus
-- referrals made, closed or turned down on or after $since_date (for the "since the last
-- meeting" section and the "returned to clinical care" / "declined or not eligible" flags).
-- Everything is as known on the meeting date: events dated after it are treated as not yet
-- happened, so a past meeting date shows the list as it stood then.
-- Columns: status is awaiting_triage | waiting | caseload | discharged | not_taken_on;
-- days_waiting is referral to meeting for people not yet seen; caseload_days uses the
-- caseload_days macro measured to the meeting date; last_contact_date is the latest attended
-- contact (or the first contact date); last_questionnaire_date the latest complete form.
-- level: identifiable
-- scope: practice_codes (filtered by hand; to move onto scoped_referrals)
with referrals_src as (
    select * from referrals
),

patients_src as (
    select patient_id, birth_year from patients
),

workers_src as (
    select worker_id, display_name from link_workers
),

contacts_src as (
    select referral_id, contact_date, attendance from contacts
),

goals_src as (
    select referral_id, agreed_date, status, closed_date from goals
),

scores_src as (
    select referral_id, assessment_date, is_complete from assessment_scores
),

practice_referrals as (
    select *
    from referrals_src
    where practice_code in (select unnest($practice_codes))
      and practice_code = $practice_code
      and ($conditions is null or list_contains($conditions, condition))
      and ($worker_ids is null or list_contains($worker_ids, worker_id))
      and referral_date <= $meeting_date
),

-- Blank out what had not happened by the meeting date.
as_at_meeting as (
    select
        referral_id,
        patient_id,
        practice_code,
        referral_date,
        referrer_role,
        condition,
        symptom_months,
        worker_id,
        case when coalesce(triage_date, referral_date) <= $meeting_date
            then triage_outcome end as triage_outcome,
        case when triage_date <= $meeting_date then triage_date end as triage_date,
        case when first_contact_date <= $meeting_date then first_contact_date end
            as first_contact_date,
        case when discharge_date <= $meeting_date then discharge_date end as discharge_date,
        case when discharge_date <= $meeting_date then discharge_reason end as discharge_reason
    from practice_referrals
),

with_status as (
    select
        *,
        case
            when is_active_on(triage_outcome, first_contact_date, discharge_date, $meeting_date)
                then 'caseload'
            when discharge_date is not null then 'discharged'
            when triage_outcome is not null and triage_outcome <> 'accepted'
                then 'not_taken_on'
            when triage_outcome = 'accepted' then 'waiting'
            else 'awaiting_triage'
        end as status
    from as_at_meeting
),

selected as (
    select *
    from with_status
    where status in ('awaiting_triage', 'waiting', 'caseload')
       or referral_date >= $since_date
       or discharge_date >= $since_date
       or (status = 'not_taken_on' and coalesce(triage_date, referral_date) >= $since_date)
),

contact_facts as (
    select
        c.referral_id,
        count(*) filter (where c.attendance = 'attended') as attended_contact_count,
        count(*) filter (where c.attendance = 'dna') as dna_count,
        max(c.contact_date) filter (where c.attendance = 'attended') as last_attended_date
    from contacts_src as c
    where c.referral_id in (select referral_id from selected)
      and c.contact_date <= $meeting_date
    group by c.referral_id
),

goal_facts as (
    select
        g.referral_id,
        count(*) as goals_agreed_count,
        count(*) filter (where g.status = 'open' or g.closed_date > $meeting_date)
            as goals_open_count,
        count(*) filter (where g.status = 'achieved' and g.closed_date <= $meeting_date)
            as goals_achieved_count
    from goals_src as g
    where g.referral_id in (select referral_id from selected)
      and g.agreed_date <= $meeting_date
    group by g.referral_id
),

questionnaire_facts as (
    select s.referral_id, max(s.assessment_date) as last_questionnaire_date
    from scores_src as s
    where s.referral_id in (select referral_id from selected)
      and s.is_complete
      and s.assessment_date <= $meeting_date
    group by s.referral_id
)

select
    s.referral_id,
    s.patient_id,
    s.practice_code,
    s.referral_date,
    s.referrer_role,
    s.condition,
    s.symptom_months,
    age_at(p.birth_year, s.referral_date) as age_at_referral_years,
    s.triage_outcome,
    s.triage_date,
    s.worker_id,
    w.display_name as worker_name,
    s.first_contact_date,
    s.discharge_date,
    s.discharge_reason,
    s.status,
    wait_days(s.referral_date, s.first_contact_date) as wait_days,
    case when s.status in ('awaiting_triage', 'waiting')
        then date_diff('day', s.referral_date, $meeting_date) end as days_waiting,
    case when s.status = 'caseload'
        then caseload_days(s.first_contact_date, s.triage_date, s.discharge_date, $meeting_date)
    end as caseload_days,
    greatest(cf.last_attended_date, s.first_contact_date) as last_contact_date,
    coalesce(cf.attended_contact_count, 0) as attended_contact_count,
    coalesce(cf.dna_count, 0) as dna_count,
    coalesce(gf.goals_agreed_count, 0) as goals_agreed_count,
    coalesce(gf.goals_open_count, 0) as goals_open_count,
    coalesce(gf.goals_achieved_count, 0) as goals_achieved_count,
    qf.last_questionnaire_date
from selected as s
left join patients_src as p on p.patient_id = s.patient_id
left join workers_src as w on w.worker_id = s.worker_id
left join contact_facts as cf on cf.referral_id = s.referral_id
left join goal_facts as gf on gf.referral_id = s.referral_id
left join questionnaire_facts as qf on qf.referral_id = s.referral_id
order by s.referral_date, s.referral_id
