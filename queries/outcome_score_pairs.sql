-- The pairs of paired_scores, counted: one row per measure and distinct (baseline score,
-- follow-up score), with how many pairs have it (pair_weight). Everything the Outcomes table
-- and Overview's PSEQ figures show (n, means, the t interval, effect size, Wilcoxon p, shares
-- improved, reaching the meaningful change, reliably better or worse, PSEQ bands) is a
-- function of these counts (wellpath.outcomes.paired_summary_counted, tested to agree with
-- paired_summary over paired_scores), so a page fetches a few thousand rows, not one per
-- person. The pairing and the period are paired_scores' exactly (macro
-- baseline_followup_pairs, queries/derive_table_macros_pairs.sql).
-- level: person
-- (Person-level pairs compressed, no pseudonyms. pair_weight is exact on purpose, not a
-- *_count the query layer rounds: the view computes its statistics from the exact pairs and
-- protects what it publishes, as it did from paired_scores' rows.)
-- The pairs are the scope's own (baseline_followup_pairs reads scoped_pair_candidates: the
-- filter of scoped_referrals), so they are not joined to the referrals again.
-- The latest follow-up (no time point, as Overview and Outcomes ask by default) is read from
-- latest_follow_ups itself, baseline_followup_pairs' own latest branch: through the macro's
-- union DuckDB reads every candidate column of 3M national rows (0.2 s more). DuckDB folds
-- the bound $time_point_months, so only one branch runs.
with latest_pairs as (
    select measure, baseline_score, follow_up_score, follow_up_date
    from latest_follow_ups(
        $practice_codes, $conditions, $worker_ids, $report_date, $start_date
    )
    where $time_point_months is null
),

time_point_pairs as (
    select measure, baseline_score, follow_up_score, follow_up_date
    from baseline_followup_pairs(
        $practice_codes, $conditions, $worker_ids, $report_date, [$time_point_months],
        [$window_days], from_date := $start_date
    )
    where $time_point_months is not null
),

pairs as (
    select * from latest_pairs
    union all
    select * from time_point_pairs
)

select
    p.measure,
    p.baseline_score,
    p.follow_up_score,
    count(*) as pair_weight
from pairs as p
where p.follow_up_date between $start_date and $end_date
group by p.measure, p.baseline_score, p.follow_up_score
order by p.measure, p.baseline_score, p.follow_up_score
