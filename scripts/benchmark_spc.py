"""How long the vectorised XmR takes for every practice series in England (6,300 x 36 months).

Also a step of `python -m wellpath bench` (wellpath.bench.time_spc). Not a test: timings
depend on the machine. Run: python scripts/benchmark_spc.py
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wellpath.bench import time_spc  # noqa: E402

if __name__ == "__main__":
    r = time_spc()
    print(
        f"xmr_many: {r['series']:,} series = {r['points']:,} points in {r['best_s'] * 1000:.0f} ms "
        f"(best of 5; median {r['median_s'] * 1000:.0f} ms); {r['special_cause_points']:,} "
        "special-cause points"
    )
