"""The CSV bytes of a view's download frame, built once per frame.

A view's result is cached (data.cached_view) and a warm run gets the very same frames back, so
the pages of national scale (a 62,000-row waiting list, 27,000 worker-months) need not write
the same CSV again on every run (`ui.download` did: most of a warm Caseload run). The bytes
are formats.csv_bytes of the frame, exactly; they are dropped with the frame.
"""

from __future__ import annotations

import threading
import weakref

import pandas as pd

from wellpath import formats

_BYTES: dict[int, bytes] = {}
_LOCK = threading.Lock()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """formats.csv_bytes(frame), from the first call for this frame object on."""
    key = id(frame)
    with _LOCK:
        found = _BYTES.get(key)
    if found is not None:
        return found
    data = formats.csv_bytes(frame)
    with _LOCK:
        if key not in _BYTES:
            # the id is free again once the frame is gone: forget its bytes then
            weakref.finalize(frame, _BYTES.pop, key, None)
            _BYTES[key] = data
    return _BYTES[key]
