-- Table macros that queries share, so a rule is written once (docs/architecture.md,
-- "SQL building blocks"). Created after referral_facts (derive files run in name order),
-- because a table macro is bound to the tables it reads when it is created.
-- scope: none
--
-- scoped_referrals(practice_codes, conditions, worker_ids): the viewer's referrals. Every
--   query that reads referrals for a page starts here, passing $practice_codes (the practices
--   the viewer may see and asked to see), $conditions and $worker_ids (NULL = all).
-- month_spine(start_date, end_date, report_date): one row per calendar month touching the
--   period: month_start (first of the month), month_end (its last day) and on_date (the last
--   day, or the report date for a month it cuts short), and is_whole_month (false for a
--   month the period does not cover from its first to its last day).

create or replace macro scoped_referrals(practice_codes, conditions, worker_ids) as table
    select *
    from referral_facts
    where practice_code in (select unnest(practice_codes))
      and (conditions is null or list_contains(conditions, condition))
      and (worker_ids is null or list_contains(worker_ids, worker_id));

create or replace macro month_spine(start_date, end_date, report_date) as table
    select
        cast(range as date) as month_start,
        last_day(cast(range as date)) as month_end,
        least(last_day(cast(range as date)), report_date) as on_date,
        (cast(range as date) >= start_date and last_day(cast(range as date)) <= end_date)
            as is_whole_month
    from range(
        cast(date_trunc('month', start_date) as timestamp),
        cast(date_trunc('month', end_date) as timestamp) + interval 1 month,
        interval 1 month
    );
