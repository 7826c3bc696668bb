"""How long the vectorised XmR takes for every practice series in England.

6,300 practices x 36 months of random referral rates, with one rebase in a tenth of them.
Prints the best of five timings of `wellpath.spc.xmr_many` (the dashboard's path). Not a
test: timings depend on the machine. Run: python scripts/benchmark_spc.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wellpath import spc  # noqa: E402

N_PRACTICES = 6_300
N_MONTHS = 36


def main() -> None:
    rng = np.random.default_rng(2026)
    months = pd.date_range("2023-11-01", periods=N_MONTHS, freq="MS")
    frame = pd.DataFrame(
        {
            "practice": np.repeat([f"P{i:05d}" for i in range(N_PRACTICES)], N_MONTHS),
            "month": np.tile(months, N_PRACTICES),
            "rate_per_1000": rng.gamma(4.0, 2.5, N_PRACTICES * N_MONTHS),
        }
    )
    frame["rebase"] = (frame["month"] == months[18]) & (
        frame["practice"].str[-1] == "0"
    )  # one practice in ten changed its service half way

    timings = []
    for _ in range(5):
        start = time.perf_counter()
        result = spc.xmr_many(
            frame, "practice", "rate_per_1000", period_col="month", rebase_col="rebase"
        )
        timings.append(time.perf_counter() - start)
    special = int(result["special_cause_flag"].sum())
    print(
        f"xmr_many: {N_PRACTICES:,} series x {N_MONTHS} months = {len(result):,} points "
        f"in {min(timings) * 1000:.0f} ms (best of 5; median {np.median(timings) * 1000:.0f} ms); "
        f"{special:,} special-cause points"
    )


if __name__ == "__main__":
    main()
