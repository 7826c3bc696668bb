"""Kept for old notes: the scale benchmark is now `python -m wellpath bench --scale S`.

python scripts/benchmark_scale.py --scale icb     # same as python -m wellpath bench
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wellpath.__main__ import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
