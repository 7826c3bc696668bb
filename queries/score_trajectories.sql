-- Scores at baseline and each time point up to a horizon, for a fixed cohort: referrals with
-- a baseline and a score at the horizon ($horizon_months), the horizon score dated in the
-- period. Each time point takes the score nearest it within its window ($time_points_months
-- and $windows_days, zipped), among forms on or before the report date (macro
-- baseline_followup_pairs, queries/derive_table_macros_pairs.sql, as for paired_scores); people
-- not measured near a middle time point are left out of that point only. One row per
-- person-measure-time point; no pseudonyms.
-- The cohort and its points: macro trajectory_points (queries/derive_table_macros_pairs.sql).
-- level: person
-- The points are the scope's own (trajectory_points reads baseline_followup_pairs, which
-- reads scoped_pair_candidates: the filter of scoped_referrals), so not joined again.
with points as (
    select p.referral_id, p.measure, p.time_point_months, p.score
    from trajectory_points(
        $practice_codes, $conditions, $worker_ids, $report_date, $time_points_months,
        $windows_days, $horizon_months, $start_date,
        $end_date, null
    ) as p
)

select measure, time_point_months, score
from points
order by measure, time_point_months, score
