-- Macros for action-plan goals, so a goal's state as at a date is written once.
-- scope: none
--
-- goal_status_on(status, closed_date, on_date): the goal's status as it stood on on_date. A
--   goal recorded as closed (any status but open) counts as closed only when its closed_date
--   is on or before on_date; one closed later was still open then. A closed status with no
--   closed_date counts as known (closed).

create or replace macro goal_status_on(status, closed_date, on_date) as
    case
        when status <> 'open' and coalesce(closed_date <= on_date, true) then status
        else 'open'
    end;
