-- Scalar macros for reading a period from counts per calendar month built at import
-- (contact_months, assessment_months): the whole months of a period come from the counts,
-- the part months at either end from the rows themselves.
-- scope: none
--
-- whole_months_start(start_date): the first day of the first month the period covers whole
--   (start_date when it is the first of a month, else the first of the next month).
-- whole_months_end(end_date): the last day of the last month the period covers whole
--   (end_date when it is the last of a month, else the last day of the month before).
-- A period covers no whole month when whole_months_start > whole_months_end. Its part
-- months are then [start_date, least(end_date + 1, whole_months_start)) and
-- (whole_months_end, end_date] from least(end_date + 1, whole_months_start) on: two
-- date ranges that neither overlap each other nor the whole months.
-- is_part_month_day(day, start_date, end_date): whether day is in one of those part months
--   (a day of the period outside its whole months). A caller also keeps `day between
--   start_date and end_date`, a range DuckDB's scan skips row groups by.
create or replace macro whole_months_start(start_date) as
    case when start_date = date_trunc('month', start_date) then start_date::date
         else (date_trunc('month', start_date) + interval 1 month)::date end;

create or replace macro whole_months_end(end_date) as
    case when end_date = last_day(end_date) then end_date::date
         else (date_trunc('month', end_date) - interval 1 day)::date end;

create or replace macro is_part_month_day(day, start_date, end_date) as
    (day >= start_date and day < least(end_date + 1, whole_months_start(start_date)))
    or (day <= end_date
        and day > whole_months_end(end_date)
        and day >= least(end_date + 1, whole_months_start(start_date)));
