-- First and last referral dates in the file, for the "since the start" period.
-- scope: none
with referral_dates as (
    select referral_date from referrals
)
select min(referral_date) as first_referral_date, max(referral_date) as last_referral_date
from referral_dates
