"""Who is looking (Scope) and what they asked to see (Filters).

Every data-access call takes both. The scope is enforced where data is read
(`wellpath.data.query`): rows outside the viewer's practices are never read, and for a
rounded scope, counts and small-number statistics are disclosure-controlled before any page
sees them. The viewer's Scope is minted in one place, `wellpath.auth.current_scope()`, from
who is signed in; when nothing has set it, the scope is PUBLISHABLE (fails closed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

ROLES = ("programme_lead", "practice", "commissioner")
ROLE_ALIASES = {"practice_manager": "practice"}
ROLE_LABELS = {
    "programme_lead": "programme lead",
    "practice": "practice",
    "commissioner": "commissioner",
}


@dataclass(frozen=True)
class Scope:
    """The viewer's reach: which practices, and whether figures must be publishable.

    Hashable, and an argument of every cached read, so two viewers never share a result.
    A commissioner's scope is always rounded; a practice scope always names its practices.
    """

    role: str = "programme_lead"
    practice_codes: tuple[str, ...] | None = None  # None: every practice in the file
    rounded: bool = False  # True: statistical disclosure control on every figure

    def __post_init__(self) -> None:
        if self.role in ROLE_ALIASES:
            object.__setattr__(self, "role", ROLE_ALIASES[self.role])
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; roles are {', '.join(ROLES)}")
        if self.practice_codes is not None:
            object.__setattr__(self, "practice_codes", tuple(sorted(set(self.practice_codes))))
        if self.role == "practice" and not self.practice_codes:
            raise ValueError("a practice scope names its practices")
        if self.role == "commissioner" and not self.rounded:
            object.__setattr__(self, "rounded", True)  # aggregates only, always rounded

    def allows(self, practice_code: str) -> bool:
        return self.practice_codes is None or practice_code in self.practice_codes

    @property
    def people_level(self) -> bool:
        """Whether lists of people (by pseudonym) may be shown: never in a rounded scope."""
        return not self.rounded

    def narrowed(self, rounded: bool) -> Scope:
        """This scope, rounded if asked: a choice can only narrow a scope, never widen it."""
        return replace(self, rounded=True) if rounded and not self.rounded else self

    def service_comparison(self) -> Scope:
        """The whole service, publishable: what a practice may compare itself with.

        Every practice, rounded and suppressed, so a practice's own exact figures cannot be
        subtracted from an exact service total to reveal the other practices'. Its role is
        the commissioner's: the service as anyone outside a practice sees it."""
        return Scope(role="commissioner", practice_codes=None, rounded=True)

    @property
    def label(self) -> str:
        reach = (
            "all practices"
            if self.practice_codes is None
            else ", ".join(self.practice_codes)
            if len(self.practice_codes) <= 3
            else f"{len(self.practice_codes)} practices"
        )
        rounding = "small numbers suppressed" if self.rounded else "unrounded"
        return f"{ROLE_LABELS[self.role]}: {reach}, {rounding}"


FULL_ACCESS = Scope()
# What a viewer gets when nothing has set their scope: publishable figures, no people.
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

    @property
    def report_date(self) -> dt.date:
        """The date open episodes are measured to: the end of the period."""
        return self.end_date

    @property
    def is_whole_months(self) -> bool:
        """Whether the period runs from the 1st of a month to the last day of a month."""
        return self.start_date.day == 1 and (self.end_date + dt.timedelta(days=1)).day == 1

    def whole_months(self) -> Filters:
        """These filters with the period widened to whole months (the 1st of the first month
        to the last day of the last), as a publishable figure must be: a custom day range
        would let one difference periods a day apart and find single referrals ("time
        slicing", docs/methods.md "Disclosure")."""
        if self.is_whole_months:
            return self
        start, end = sorted((self.start_date, self.end_date))
        following = (end.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return replace(
            self, start_date=start.replace(day=1), end_date=following - dt.timedelta(days=1)
        )

    def for_scope(self, scope: Scope) -> Filters:
        """The filters a scope may be served: whole months for a rounded scope."""
        return self.whole_months() if scope.rounded else self

    @property
    def period_label(self) -> str:
        return f"{uk_date(self.start_date)} to {uk_date(self.end_date)}"


def uk_date(d: dt.date | None) -> str:
    """3 Apr 2025 (no leading zero), the house style for dates on screen."""
    if d is None:
        return ""
    return f"{d.day} {d:%b %Y}"
