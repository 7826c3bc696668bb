"""Who is looking (Scope) and what they asked to see (Filters).

Every data-access call takes both. The scope is enforced where data is read
(`wellpath.data.query`): rows outside the viewer's practices are never read, and for a
rounded scope, counts and small-number statistics are disclosure-controlled before any page
sees them. Roles and login arrive later; they will only have to build the right Scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scope:
    """The viewer's reach: which practices, and whether figures must be publishable."""

    role: str = "programme_lead"
    practice_codes: tuple[str, ...] | None = None  # None: every practice in the file
    rounded: bool = False  # True: statistical disclosure control on every figure

    def allows(self, practice_code: str) -> bool:
        return self.practice_codes is None or practice_code in self.practice_codes

    @property
    def label(self) -> str:
        reach = (
            "all practices"
            if self.practice_codes is None
            else f"{len(self.practice_codes)} practice(s)"
        )
        rounding = "small numbers suppressed" if self.rounded else "unrounded"
        return f"{self.role.replace('_', ' ')}: {reach}, {rounding}"


FULL_ACCESS = Scope()
PUBLISHABLE = Scope(role="commissioner", rounded=True)


@dataclass(frozen=True)
class Filters:
    """The shared sidebar filters. Empty tuples mean "no restriction"."""

    start_date: dt.date
    end_date: dt.date
    practice_codes: tuple[str, ...] = ()
    pcn_codes: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    worker_ids: tuple[str, ...] = ()
    extra: tuple[tuple[str, object], ...] = field(default=())

    @property
    def report_date(self) -> dt.date:
        """The date open episodes are measured to: the end of the period."""
        return self.end_date

    @property
    def period_label(self) -> str:
        return f"{uk_date(self.start_date)} to {uk_date(self.end_date)}"


def uk_date(d: dt.date | None) -> str:
    """3 Apr 2025 (no leading zero), the house style for dates on screen."""
    if d is None:
        return ""
    return f"{d.day} {d:%b %Y}"
