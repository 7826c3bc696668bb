-- Macros for the pairing of a baseline with a follow-up (docs/methods.md, "Pairs"), shared by
-- the candidates built at import (derive_outcome_pairs.sql) and the choice a page makes among
-- them (baseline_followup_pairs, derive_table_macros_pairs.sql), so the rule is written once.
-- This file runs before both (derive files run in name order).
-- scope: none
--
-- pair_choice_key(follow_up_order, days_since_baseline, target_days): which follow-up a
--   time point chooses, larger is better: nearest the time point first (the distance in
--   1/16 days is a whole number, as 30.4375 = 487/16; 0 for "the latest", a NULL target),
--   then follow_up_order (the later date, then the later-numbered form: below 2^40). Unique
--   within a baseline, as follow_up_order is.
-- standard_time_points(): the Outcomes page's time points and their windows either side
--   (wellpath.outcomes.TIME_POINTS; a test holds the two equal). Their choices are prepared
--   at import (outcome_time_point_candidates); any other time point is chosen on asking.

create or replace macro pair_choice_key(follow_up_order, days_since_baseline, target_days) as
    follow_up_order
    - 1099511627776 * case
        when target_days is null then 0
        else cast(round(16 * abs(days_since_baseline - target_days)) as bigint)
    end;

create or replace macro standard_time_points() as table
    select time_point_months, window_days
    from (values (3, 42), (6, 61), (12, 61), (18, 61)) as t (time_point_months, window_days);
