"""Time `seed_demo` at the default scale: run it several times and print each time and the median.

    .venv/bin/python bench/seed_demo.py --url sqlite:////tmp/seed.db
    .venv/bin/python bench/seed_demo.py --url postgresql+psycopg://envoy:envoy@127.0.0.1:5432/envoy_seedbench

The database's tables are created if missing; its registry is replaced on every run.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.registry import seed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("DATABASE_URL"), required="DATABASE_URL" not in os.environ)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--persons", type=int, default=seed.DEFAULT_PERSONS)
    parser.add_argument("--seed", type=int, default=seed.DEFAULT_SEED)
    args = parser.parse_args()

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url})
    with app.app_context():
        db.create_all()
        times = []
        for run in range(1, args.runs + 1):
            start = time.perf_counter()
            counts = seed.seed_demo(persons=args.persons, seed=args.seed)
            times.append(time.perf_counter() - start)
            print(f"run {run}: {times[-1]:.2f} s ({counts})")
        print(f"{db.engine.dialect.name}: median {statistics.median(times):.2f} s over {args.runs} runs")


if __name__ == "__main__":
    main()
