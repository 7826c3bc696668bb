-- Rebuilds repeat_caseload_people: the people with more than one accepted referral in the
-- whole record. Only they can be on a caseload twice at once, so active_caseload_by_month and
-- worker_caseload_by_month merge the months of these people's episodes (a person counts
-- once) and count everyone else's episodes directly; a person listed here whose episodes in
-- a view do not overlap is merged to the same count, so the list may hold more people than
-- need it, never fewer. Built after referral_facts (name order), whole: it is about each
-- person's referrals together, not one referral's own rows.
-- scope: none
-- reads: referral_facts
create or replace table repeat_caseload_people as
select patient_id
from referral_facts
where triage_outcome = 'accepted'
  and patient_id is not null
group by patient_id
having count(*) > 1
