-- Macros for the waiting list, so "waiting on a date" and its bands are written once (the
-- Overview, Caseload and Safe caseloads figures read them).
-- scope: none
--
-- is_waiting_on(referral_date, triage_outcome, triage_date, first_contact_date,
--   discharge_date, on_date): referred by on_date and not yet seen on it: awaiting triage
--   (no outcome, or one recorded after on_date), or accepted and awaiting a first contact;
--   not discharged by then.
-- waiting_for_on(triage_outcome, triage_date, on_date): 'triage' | 'first_contact', what a
--   waiting referral waits for on on_date.
-- wait_bands(): the bands of time waited since referral (days, from inclusive, to
--   exclusive), in order.

create or replace macro is_waiting_on(
    referral_date, triage_outcome, triage_date, first_contact_date, discharge_date, on_date
) as
    referral_date <= on_date
    and (triage_outcome is null or triage_outcome = 'accepted' or triage_date > on_date)
    and (first_contact_date is null or first_contact_date > on_date)
    and (discharge_date is null or discharge_date > on_date);

create or replace macro waiting_for_on(triage_outcome, triage_date, on_date) as
    case
        when triage_outcome is null or triage_date > on_date then 'triage'
        else 'first_contact'
    end;

create or replace macro wait_bands() as table
    select * from (
        values
            (1, 'Under 2 weeks', 0, 14),
            (2, '2-4 weeks', 14, 28),
            (3, '4-8 weeks', 28, 56),
            (4, '8-13 weeks', 56, 91),
            (5, '13-18 weeks', 91, 126),
            (6, '18 weeks or more', 126, 1000000)
    ) as b (band_order, wait_band, from_days, to_days);
