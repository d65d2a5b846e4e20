"""Write docs/transfer-matrix.csv: every reference row's boundary days, for all origins.

Run `python -m bench.transfer_matrix [PATH]` after editing the reference data; the test
tests/domain/test_transfer_matrix.py fails while the committed file is stale. Prints the
count per status, last line one JSON object.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path

from registry.domain.transfer_matrix import render_matrix

DEFAULT = Path(__file__).resolve().parents[1] / "docs" / "transfer-matrix.csv"


def main(argv: list[str]) -> None:
    path = Path(argv[0]) if argv else DEFAULT
    started = time.perf_counter()
    text = render_matrix()
    seconds = time.perf_counter() - started
    path.write_text(text, encoding="utf-8")
    lines = list(csv.reader(text.splitlines()))[1:]
    statuses = Counter(line[6] for line in lines)
    for status, count in sorted(statuses.items()):
        print(f"{status:13} {count}")
    print(f"{len(lines)} answers written to {path} in {seconds:.2f} s")
    print(json.dumps({"answers": len(lines), "seconds": round(seconds, 3), "path": str(path)}))


if __name__ == "__main__":
    main(sys.argv[1:])
