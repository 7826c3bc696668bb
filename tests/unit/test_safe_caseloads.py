"""Safe caseloads: the status bands and the point-in-time capacity, hand-worked."""

from __future__ import annotations

import pytest

from wellpath.views import safe_caseloads as sc


@pytest.mark.parametrize(
    ("pct", "label", "icon"),
    [
        (110.01, "Over capacity", "\u25b2"),
        (110.0, "At the limit", "\u25c6"),
        (100.01, "At the limit", "\u25c6"),
        (100.0, "At capacity", "\u25cf"),
        (95.0, "At capacity", "\u25cf"),
        (94.99, "Spare capacity", "\u25bc"),
        (0.0, "Spare capacity", "\u25bc"),
    ],
)
def test_status_bands_have_a_word_and_a_shape(pct, label, icon):
    status = sc.capacity_status(pct)
    assert (status.label, status.icon) == (label, icon)


def test_no_figure_no_status():
    assert sc.capacity_status(None) is None


def test_every_status_differs_in_word_shape_and_colour():
    statuses = list(sc.STATUSES.values())
    for attr in ("label", "icon", "colour"):
        assert len({getattr(s, attr) for s in statuses}) == 4


def test_littles_law_capacity():
    # 250 a year, 3 months each: 62.5 at a time for a full-time worker; 0.8 FTE: 50
    assert sc.point_in_time_capacity(1.0, 250, 3) == 62.5
    assert sc.point_in_time_capacity(0.8, 250, 3) == 50.0
    assert sc.point_in_time_capacity(0.6, 200, 12) == pytest.approx(120.0)
