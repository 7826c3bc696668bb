-- Every later scored assessment of one instrument ($instrument: a measure code such as
-- WBSTAR) against the referral's baseline, on or before $report_date: one row per follow-up.
-- level: person
-- The contract tracker finds from these rows when each person's gain first met a rule's
-- threshold. person_number numbers the referrals within this result only (it is no
-- identifier and no pseudonym is returned); a person with two referrals counts twice, as in
-- paired_scores. The rows are Outcomes' pair candidates (outcome_pair_candidates, macro
-- scoped_pair_candidates: the baseline against each later-numbered scored form dated after
-- it), so the tracker's follow-ups are the forms Outcomes pairs from, without joining
-- measure_scores to itself and to the referrals. Two follow-ups of one person on one date
-- come in form order (follow_up_order), so the first review is the same on every run.
with candidates as (
    select
        referral_id,
        practice_code,
        baseline_date,
        baseline_score,
        follow_up_date,
        follow_up_score,
        follow_up_order
    from scoped_pair_candidates($practice_codes, $conditions, $worker_ids)
    where measure = $instrument
      and follow_up_date <= $report_date
)

select
    dense_rank() over (order by referral_id) as person_number,
    practice_code,
    baseline_date,
    baseline_score,
    follow_up_date,
    follow_up_score,
    follow_up_score - baseline_score as change_points
from candidates
order by person_number, follow_up_order
