"""Scoring the outcome questionnaires, and the one registry of what each instrument is.

Pages, queries and analysts' notebooks read `INSTRUMENTS` for an instrument's name, item and
score ranges, better direction, meaningful change (with its source), test-retest reliability
(with its source, or None so that the page asks the user), bands and licence notice. Sources
are in ../shared/spec/measures.md and docs/methods.md.

Scoring rules (the same as queries/derive_assessment_scores.sql, which is tested against
this module):
- a complete form is scored from its items (PSFS: the mean of the activities given, 1 to 5);
- a total given without items (or with only some items) is taken as the score, except that a
  SWEMWBS total is the RAW sum 7-35 and is converted to the metric score;
- a form with items missing and no total is incomplete and scores None (no prorating: no
  published rule exists);
- ONS4 has no total: `ons4_bands` gives its four separate bands;
- an item or total out of range raises ValueError naming it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Integral, Real
from types import MappingProxyType

import numpy as np

#: SWEMWBS raw sum -> metric score (Rasch), Stewart-Brown et al. 2009, HQLO 7:15, table 3;
#: the same table as the Warwick user guide. Some circulating copies have 25.99 at 29: a typo.
SWEMWBS_METRIC: Mapping[int, float] = MappingProxyType(
    {
        7: 7.00,
        8: 9.51,
        9: 11.25,
        10: 12.40,
        11: 13.33,
        12: 14.08,
        13: 14.75,
        14: 15.32,
        15: 15.84,
        16: 16.36,
        17: 16.88,
        18: 17.43,
        19: 17.98,
        20: 18.59,
        21: 19.25,
        22: 19.98,
        23: 20.73,
        24: 21.54,
        25: 22.35,
        26: 23.21,
        27: 24.11,
        28: 25.03,
        29: 26.02,
        30: 27.03,
        31: 28.13,
        32: 29.31,
        33: 30.70,
        34: 32.55,
        35: 35.00,
    }
)

# A PSFS total is the mean the form wrote down, often to one decimal place (13/3 -> 4.3).
_PSFS_TOTAL_TOLERANCE = 0.05 + 1e-9


@dataclass(frozen=True)
class Band:
    """A named range of scores, inclusive at both ends."""

    label: str
    low: float
    high: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class Instrument:
    """What a questionnaire is and how it is scored and interpreted."""

    code: str
    name: str
    item_count: int  # items on the form (PSFS: up to this many activities)
    item_min: int
    item_max: int
    score_min: float
    score_max: float
    higher_is_better: bool
    scoring: str  # one sentence for the page
    citation: str
    min_items: int | None = None  # items needed for a complete form; None = all of them
    has_total: bool = True
    #: How the form's own total is written (the importer checks it): "sum" of the items,
    #: "mean" of the items given (PSFS), or "none" (ONS4: four separate items, no total).
    total_rule: str = "sum"
    meaningful_change: float | None = None
    meaningful_change_source: str | None = None
    stricter_meaningful_change: float | None = None
    stricter_meaningful_change_source: str | None = None
    smallest_noteworthy_change: float | None = None
    reliability: float | None = None  # test-retest, for reliable change; None = ask the user
    reliability_source: str | None = None
    bands: tuple[Band, ...] = ()
    item_labels: tuple[str, ...] = ()
    item_bands: Mapping[int, tuple[Band, ...]] = field(default_factory=dict)
    item_higher_is_better: Mapping[int, bool] = field(default_factory=dict)
    licence_notice: str | None = None

    @property
    def items_needed(self) -> int:
        return self.item_count if self.min_items is None else self.min_items

    @property
    def item_columns(self) -> tuple[str, ...]:
        return tuple(f"item_{i:02d}" for i in range(1, self.item_count + 1))

    def band(self, score: float | None) -> str | None:
        """The band label for a score (None when unscored or the instrument has no bands)."""
        return band_for(self.bands, score)


_WEMWBS_NOTICE = (
    "{name} © NHS Health Scotland, University of Warwick and University of Edinburgh, "
    "{years}, all rights reserved. Used under registration."
)

PSEQ_BANDS = (
    Band("severe", 0, 19),
    Band("moderate", 20, 30),
    Band("mild", 31, 40),
    Band("minimal", 41, 60),
)

ONS4_BANDS = (
    Band("low", 0, 4),
    Band("medium", 5, 6),
    Band("high", 7, 8),
    Band("very high", 9, 10),
)
ONS4_ANXIETY_BANDS = (
    Band("very low", 0, 1),
    Band("low", 2, 3),
    Band("medium", 4, 5),
    Band("high", 6, 10),
)
#: The Well-being Star's five journey stages, two points each on the 1-10 scale of an area.
WBSTAR_STAGES = (
    Band("not thinking about it", 1, 2),
    Band("finding out", 3, 4),
    Band("making changes", 5, 6),
    Band("getting there", 7, 8),
    Band("as good as it can be", 9, 10),
)
ONS4_KEYS = ("satisfaction", "worthwhile", "happy", "anxious")

INSTRUMENTS: Mapping[str, Instrument] = MappingProxyType(
    {
        "PSEQ": Instrument(
            code="PSEQ",
            name="Pain Self-Efficacy Questionnaire",
            item_count=10,
            item_min=0,
            item_max=6,
            score_min=0,
            score_max=60,
            higher_is_better=True,
            scoring="Sum of the 10 items (each 0-6), 0-60.",
            citation="Nicholas MK. Eur J Pain 2007;11:153-163.",
            meaningful_change=5.5,
            meaningful_change_source="Chiarotto A et al. J Pain 2016;17:707-718.",
            stricter_meaningful_change=11,
            stricter_meaningful_change_source="Maughan EF, Lewis JS. Eur Spine J 2010;19:1484-1494.",
            reliability=0.86,
            reliability_source="Test-retest ICC 0.86: Dube MO et al. Pain Rep 2021;6:e972.",
            bands=PSEQ_BANDS,
            item_labels=(
                "Enjoy things",
                "Household chores",
                "Socialise",
                "Cope in most situations",
                "Some form of work",
                "Hobbies and leisure",
                "Cope without medication",
                "Accomplish goals",
                "Live a normal lifestyle",
                "Gradually become more active",
            ),
        ),
        "PSEQ2": Instrument(
            code="PSEQ2",
            name="Pain Self-Efficacy Questionnaire, 2-item short form",
            item_count=2,
            item_min=0,
            item_max=6,
            score_min=0,
            score_max=12,
            higher_is_better=True,
            scoring="Sum of PSEQ items 5 and 9 (each 0-6), 0-12.",
            citation="Nicholas MK et al. J Pain 2015;16:153-163.",
            meaningful_change=1.5,
            meaningful_change_source="Chiarotto A et al. J Pain 2016;17:707-718.",
            item_labels=("Some form of work", "Live a normal lifestyle"),
        ),
        "SWEMWBS": Instrument(
            code="SWEMWBS",
            name="Short Warwick-Edinburgh Mental Wellbeing Scale",
            item_count=7,
            item_min=1,
            item_max=5,
            score_min=7,
            score_max=35,
            higher_is_better=True,
            scoring=(
                "Sum of the 7 items (each 1-5), 7-35, converted to the metric score with the "
                "published conversion table (Stewart-Brown 2009)."
            ),
            citation="Stewart-Brown S et al. Health Qual Life Outcomes 2009;7:15.",
            meaningful_change=3,
            meaningful_change_source="Shah N et al. Health Qual Life Outcomes 2018;16:239.",
            smallest_noteworthy_change=1,
            item_labels=(
                "Feeling optimistic about the future",
                "Feeling useful",
                "Feeling relaxed",
                "Dealing with problems well",
                "Thinking clearly",
                "Feeling close to other people",
                "Able to make up my own mind about things",
            ),
            licence_notice=_WEMWBS_NOTICE.format(name="SWEMWBS", years="2008"),
        ),
        "WEMWBS": Instrument(
            code="WEMWBS",
            name="Warwick-Edinburgh Mental Wellbeing Scale",
            item_count=14,
            item_min=1,
            item_max=5,
            score_min=14,
            score_max=70,
            higher_is_better=True,
            scoring="Sum of the 14 items (each 1-5), 14-70.",
            citation="Tennant R et al. Health Qual Life Outcomes 2007;5:63.",
            meaningful_change=3,
            meaningful_change_source=(
                "Maheswaran H et al. Health Qual Life Outcomes 2012;10:156 (SEM 2.4-3.1)."
            ),
            reliability=0.83,
            reliability_source=(
                "One-week test-retest ICC 0.83: Tennant R et al. Health Qual Life Outcomes "
                "2007;5:63."
            ),
            licence_notice=_WEMWBS_NOTICE.format(name="WEMWBS", years="2006"),
        ),
        "ONS4": Instrument(
            code="ONS4",
            name="ONS personal wellbeing (ONS4)",
            item_count=4,
            item_min=0,
            item_max=10,
            score_min=0,
            score_max=10,
            higher_is_better=True,
            has_total=False,
            total_rule="none",
            scoring=(
                "No total: four separate scores 0-10 (life satisfaction, worthwhile, "
                "happiness, anxiety), each reported in bands. Lower anxiety is better."
            ),
            citation="Office for National Statistics, Personal well-being user guidance.",
            item_labels=(
                "Life satisfaction",
                "Feeling that things done in life are worthwhile",
                "Happiness yesterday",
                "Anxiety yesterday",
            ),
            item_bands=MappingProxyType(
                {1: ONS4_BANDS, 2: ONS4_BANDS, 3: ONS4_BANDS, 4: ONS4_ANXIETY_BANDS}
            ),
            item_higher_is_better=MappingProxyType({1: True, 2: True, 3: True, 4: False}),
        ),
        "PSFS": Instrument(
            code="PSFS",
            name="Patient-Specific Functional Scale",
            item_count=5,
            min_items=1,
            item_min=0,
            item_max=10,
            score_min=0,
            score_max=10,
            higher_is_better=True,
            scoring="Mean of the activities given (1 to 5 activities, each 0-10), 0-10.",
            total_rule="mean",
            citation="Stratford P et al. Physiother Can 1995;47:258-263.",
            meaningful_change=2,
            meaningful_change_source="Stratford P et al. Physiother Can 1995;47:258-263.",
        ),
        "WBSTAR": Instrument(
            code="WBSTAR",
            name="Well-being Star",
            item_count=8,
            item_min=1,
            item_max=10,
            score_min=8,
            score_max=80,
            higher_is_better=True,
            scoring=(
                "Sum of the 8 areas (each 1-10, five stages of two points each), 8-80. "
                "No meaningful change is published: mean change and share improved are shown."
            ),
            citation="Triangle Consulting Social Enterprise, the Outcomes Star.",
            item_bands=MappingProxyType({i: WBSTAR_STAGES for i in range(1, 9)}),
            licence_notice=(
                "The Well-being Star is © Triangle Consulting Social Enterprise Ltd and is "
                "used under licence (www.outcomesstar.org.uk)."
            ),
        ),
    }
)


def get_instrument(code: str) -> Instrument:
    """The registry entry for a code (case-insensitive, as in the data contract)."""
    try:
        return INSTRUMENTS[str(code).strip().upper()]
    except KeyError:
        raise ValueError(
            f"unknown instrument {code!r}; expected one of {', '.join(INSTRUMENTS)}"
        ) from None


def _missing(value: object) -> bool:
    """None, NaN of any float type (numpy's float32 too), pandas NA, or a blank string (an
    empty CSV cell) mean "not filled in"."""
    if value is None or _is_pd_na(value):
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Real) and not isinstance(value, Integral):
        return math.isnan(float(value))
    return False


def _is_pd_na(value: object) -> bool:
    # pandas.NA without importing pandas here
    return type(value).__name__ == "NAType"


def _item_value(inst: Instrument, position: int, value: object) -> int:
    name = f"item_{position:02d}"
    if position > inst.item_count:
        hint = (
            " (its items are PSEQ items 5 and 9, entered as item_01 and item_02; a full PSEQ "
            "form is scored as PSEQ, and pseq2_from_pseq reads its PSEQ-2)"
            if inst.code == "PSEQ2"
            else ""
        )
        raise ValueError(f"{inst.code} has {inst.item_count} items; {name} must be empty{hint}")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{inst.code} {name}: {value!r} is not a number") from None
    if number != math.floor(number):
        raise ValueError(f"{inst.code} {name}: {value!r} is not a whole number")
    if not inst.item_min <= number <= inst.item_max:
        raise ValueError(
            f"{inst.code} {name}: {value!r} is outside {inst.item_min}-{inst.item_max}"
        )
    return int(number)


def _given_items(inst: Instrument, items: Sequence[object] | None) -> dict[int, int]:
    """{position: value} for the items filled in, checked; positions count from 1."""
    if items is None:
        return {}
    if isinstance(items, Mapping):
        pairs = [(int(str(k).removeprefix("item_")), v) for k, v in items.items()]
    else:
        pairs = list(enumerate(items, start=1))
    return {pos: _item_value(inst, pos, v) for pos, v in pairs if not _missing(v)}


def swemwbs_metric(raw: float) -> float:
    """The SWEMWBS metric score for a raw sum 7-35 (Stewart-Brown 2009 conversion table)."""
    if _missing(raw) or float(raw) != math.floor(float(raw)) or int(raw) not in SWEMWBS_METRIC:
        raise ValueError(f"SWEMWBS total: {raw!r} is not a raw sum between 7 and 35")
    return SWEMWBS_METRIC[int(raw)]


def _score_from_total(inst: Instrument, total: float) -> float:
    if inst.code == "SWEMWBS":
        return swemwbs_metric(total)
    value = float(total)
    if not inst.score_min <= value <= inst.score_max:
        raise ValueError(
            f"{inst.code} total: {total!r} is outside {inst.score_min:g}-{inst.score_max:g}"
        )
    return value


def _score_from_items(inst: Instrument, values: list[int]) -> float:
    if inst.code == "PSFS":
        return sum(values) / len(values)
    if inst.code == "SWEMWBS":
        return swemwbs_metric(sum(values))
    return float(sum(values))


def _check_total_matches(inst: Instrument, values: list[int], total: float) -> None:
    if inst.code == "PSFS":
        expected, tolerance = sum(values) / len(values), _PSFS_TOTAL_TOLERANCE
    else:
        expected, tolerance = float(sum(values)), 1e-9
    if abs(float(total) - expected) > tolerance:
        raise ValueError(f"{inst.code} total: {total!r} does not match the items ({expected:g})")


def is_complete(instrument: str, items: Sequence[object] | None = None) -> bool:
    """Whether the items alone make a complete form (PSFS: at least one activity)."""
    inst = get_instrument(instrument)
    return len(_given_items(inst, items)) >= inst.items_needed


def score(
    instrument: str,
    items: Sequence[object] | Mapping[str, object] | None = None,
    total: float | None = None,
) -> float | None:
    """The score of one form, or None when it is incomplete (or the instrument is ONS4).

    `items` lists the item values in order (None/NaN for an item left blank; trailing blanks
    beyond the instrument's item count are allowed, e.g. all 14 item columns of a row), or
    maps "item_01"... to values. `total` is the total as written on the form.
    """
    inst = get_instrument(instrument)
    given = _given_items(inst, items)
    if not inst.has_total:
        if not _missing(total):
            raise ValueError(f"{inst.code} has no total; leave it empty")
        return None
    has_total = not _missing(total)
    if given and len(given) >= inst.items_needed:
        values = [given[pos] for pos in sorted(given)]
        if has_total:
            _check_total_matches(inst, values, total)  # type: ignore[arg-type]
        return _score_from_items(inst, values)
    if has_total:
        return _score_from_total(inst, total)  # type: ignore[arg-type]
    return None


def band_for(bands: Sequence[Band], value: float | None) -> str | None:
    """The band holding `value`; bands are contiguous and in order, so a value between two
    whole-number bands (a PSEQ total of 19.5 written on a form) falls in the lower one."""
    if value is None or _missing(value) or not bands:
        return None
    if not bands[0].low <= value <= bands[-1].high:
        return None
    return [b for b in bands if b.low <= value][-1].label


def pseq_band(score: float | None) -> str | None:
    """PSEQ severity band (ePPOC, Nicholas 2019): severe, moderate, mild or minimal."""
    if score is not None and not _missing(score) and not 0 <= score <= 60:
        raise ValueError(f"PSEQ score {score!r} is outside 0-60")
    return band_for(PSEQ_BANDS, score)


def pseq_bands(scores: Sequence[float | None] | np.ndarray) -> np.ndarray:
    """`pseq_band` of every score at once (object array of labels, None where a score is
    missing): one sorted search instead of a Python call per person. Raises as `pseq_band`
    does for a score outside 0-60."""
    values = np.array(
        [math.nan if v is None or _missing(v) else v for v in scores]
        if not isinstance(scores, np.ndarray) or scores.dtype.kind not in "fiu"
        else scores,
        dtype=float,
    )
    known = ~np.isnan(values)
    outside = known & ((values < 0) | (values > 60))
    if outside.any():
        raise ValueError(f"PSEQ score {values[outside][0]!r} is outside 0-60")
    lows = np.array([b.low for b in PSEQ_BANDS], dtype=float)
    labels = np.array([b.label for b in PSEQ_BANDS] + [None], dtype=object)
    # the last band whose low is at or below the score (band_for); missing: the None slot
    idx = np.searchsorted(lows, np.where(known, values, 0.0), side="right") - 1
    return labels[np.where(known, idx, len(PSEQ_BANDS))]


def ons4_bands(items: Sequence[object] | Mapping[str, object]) -> dict[str, str | None]:
    """The four ONS4 bands: {"satisfaction", "worthwhile", "happy", "anxious"} -> band label.

    Items 1-3: 0-4 low, 5-6 medium, 7-8 high, 9-10 very high. Anxiety (item 4): 0-1 very
    low, 2-3 low, 4-5 medium, 6-10 high. A blank item gives None.
    """
    inst = INSTRUMENTS["ONS4"]
    given = _given_items(inst, items)
    return {
        key: band_for(inst.item_bands[pos], given.get(pos))
        for pos, key in enumerate(ONS4_KEYS, start=1)
    }


def pseq2_from_pseq(items: Sequence[object]) -> float | None:
    """The PSEQ-2 score read off a full PSEQ form: items 5 and 9 (Nicholas 2015)."""
    inst = INSTRUMENTS["PSEQ"]
    given = _given_items(inst, items)
    if 5 not in given or 9 not in given:
        return None
    return float(given[5] + given[9])
