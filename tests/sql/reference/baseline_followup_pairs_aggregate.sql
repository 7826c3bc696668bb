-- The pairing macro as it was at 711d016 (every page run chose each baseline's follow-up by
-- one aggregate over all of outcome_pair_candidates), kept for
-- tests/sql/test_pairs_from_date.py: the latest follow-up is now a filter on
-- next_follow_up_date, optionally from a date; the pairs must be these.
create or replace temp macro baseline_followup_pairs_reference(report_date, time_points_months, windows_days)
as table
    with time_points as (
        select
            unnest(time_points_months) as time_point_months,
            unnest(windows_days) as window_days
    ),

    targets as (
        select
            time_point_months,
            cast(time_point_months as double) * 30.4375 as target_days,
            cast(window_days as double) as window_days
        from time_points
    ),

    candidates as (
        select
            c.baseline_id,
            c.referral_id,
            c.measure,
            t.time_point_months,
            c.baseline_date,
            c.baseline_score,
            c.follow_up_date,
            c.follow_up_score,
            -- The choice key, larger is better: nearest the time point first (the distance in
            -- 1/16 days is a whole number, as 30.4375 = 487/16; 0 for "the latest"), then
            -- follow_up_order (the later date, then the later-numbered form: below 2^40).
            c.follow_up_order
            - 1099511627776 * case
                when t.target_days is null then 0
                else cast(round(16 * abs(c.days_since_baseline - t.target_days)) as bigint)
            end as choice_key
        from outcome_pair_candidates as c
        cross join targets as t
        where c.follow_up_date <= report_date
          and (t.target_days is null
               or abs(c.days_since_baseline - t.target_days) <= t.window_days)
    ),

    chosen as (
        select
            -- one baseline per baseline_id: these are the same on all its rows
            any_value(referral_id) as referral_id,
            any_value(measure) as measure,
            time_point_months,
            any_value(baseline_date) as baseline_date,
            any_value(baseline_score) as baseline_score,
            arg_max(follow_up_date, choice_key) as follow_up_date,
            arg_max(follow_up_score, choice_key) as follow_up_score
        from candidates
        group by baseline_id, time_point_months
    )

    select
        referral_id,
        measure,
        time_point_months,
        baseline_date,
        baseline_score,
        follow_up_date,
        follow_up_score,
        date_diff('day', baseline_date, follow_up_date) as days_since_baseline
    from chosen;
