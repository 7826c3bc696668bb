"""Published Newcastle figures the demo world is built on, embedded so a fresh clone needs nothing else.

Copied from ../shared/fixtures/reference/ (all Open Government Licence v3 at source);
tests/unit/test_demo_reference.py checks every value here against those files.
- Practices: NHS Payments to General Practice, England, 2022/23 rows (name, PCN, registered
  patients) and Patients Registered at a GP Practice, Oct 2025 to Mar 2026 (newer list sizes).
- Deprivation: IMD 2019 deciles of Newcastle's 175 LSOAs weighted by population (mid-2015),
  and each practice's population-weighted IMD 2019 score (Fingertips indicator 93553).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class ReferencePractice:
    practice_code: str
    practice_name: str  # the payments file's name, in title case
    pcn_code: str
    pcn_name: str
    list_size_2022_23: int  # registered patients, rounded to a whole person
    role: str  # pilot or comparison
    imd_score_2019: float  # population-weighted IMD 2019 score of the practice
    # (extract date, registered patients) from the monthly list-size publication
    list_sizes: tuple[tuple[dt.date, int], ...] = ()

    def list_size_on(self, today: dt.date) -> int:
        """The newest published list size on or before `today`, else the 2022/23 figure."""
        known = [(d, n) for d, n in self.list_sizes if d <= today]
        return max(known)[1] if known else self.list_size_2022_23


_EXTRACTS = (
    dt.date(2025, 10, 1),
    dt.date(2025, 11, 1),
    dt.date(2025, 12, 1),
    dt.date(2026, 1, 1),
    dt.date(2026, 3, 1),
)


def _sizes(*counts: int) -> tuple[tuple[dt.date, int], ...]:
    return tuple(zip(_EXTRACTS, counts, strict=True))


WEST_END = ("U44695", "West End Family Health PCN")
OUTER_WEST = ("U87170", "Newcastle Outer West PCN")
INNER_WEST = ("U45898", "Newcastle Inner West PCN")

# The four practices of the Newcastle PPS pilot, then three comparison practices from
# neighbouring west-end PCNs with similar deprivation (IMD scores 35-41 against 29-49).
PRACTICES: tuple[ReferencePractice, ...] = (
    ReferencePractice(
        "A86012",
        "West Road Medical Centre",
        *WEST_END,
        10724,
        "pilot",
        40.09562512,
        _sizes(12451, 12486, 12499, 12495, 12382),
    ),
    ReferencePractice(
        "A86017",
        "Cruddas Park Surgery",
        *WEST_END,
        10824,
        "pilot",
        49.06542295,
        _sizes(11779, 11794, 11839, 11859, 11753),
    ),
    ReferencePractice(
        "A86021",
        "Holmside Medical Group",
        *WEST_END,
        9667,
        "pilot",
        37.96354536,
        _sizes(10053, 10046, 10039, 10011, 9994),
    ),
    ReferencePractice(
        "A86026",
        "Throckley Primary Care Centre",
        *OUTER_WEST,
        6937,
        "pilot",
        29.33572562,
        _sizes(7584, 7643, 7647, 7662, 7689),
    ),
    ReferencePractice(
        "A86030",
        "Betts Avenue Medical Group",
        *INNER_WEST,
        11483,
        "comparison",
        40.50295755,
        _sizes(10663, 10647, 10637, 10642, 10553),
    ),
    ReferencePractice(
        "A86013",
        "Denton Park Medical Group",
        *OUTER_WEST,
        7436,
        "comparison",
        35.96570398,
        _sizes(7493, 7500, 7498, 7501, 7531),
    ),
    ReferencePractice(
        "A86031",
        "Fenham Hall Surgery",
        *INNER_WEST,
        10234,
        "comparison",
        34.60042102,
        _sizes(10881, 10922, 10949, 10954, 10900),
    ),
)

# Newcastle residents (mid-2015, excluding prisoners) living in LSOAs of each IMD 2019
# decile, decile 1 (most deprived) first.
NEWCASTLE_POPULATION_BY_IMD_DECILE: tuple[int, ...] = (
    73775, 36864, 21253, 24766, 26721, 22228, 17602, 18446, 20283, 28826,
)  # fmt: skip
