"""What one signed-in htmx plate lookup costs the database: statements, writes and commits, and its median time.

Run: .venv/bin/python bench/lookup_statements.py [--persons 55000] [--runs 200] [--database-url URL] [--profile]
In process (Flask test client), on a SQLite file by default or on the PostgreSQL database given (emptied first).
Counts come from SQLAlchemy's engine events over every connection the app opens, the session store's included.
--profile prints a pyinstrument profile of the lookups (pip install pyinstrument).
"""

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from app.extensions import db  # noqa: E402
from app.registry.seed import DEMO_CASES, seed_demo  # noqa: E402
from tests.conftest import make_app, reset_database, sign_in  # noqa: E402
from tests.factories import make_user  # noqa: E402

WRITES = ("INSERT", "UPDATE", "DELETE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=55_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--show", action="store_true", help="print the statements of one lookup")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    app = make_app(SQLALCHEMY_DATABASE_URI=url, TESTING=False)
    with app.app_context():
        db.create_all()
        reset_database()
        db.create_all()
        started = time.perf_counter()
        seed_demo(persons=args.persons, seed=1)
        print(f"registry of {args.persons:,} persons seeded in {time.perf_counter() - started:.1f} s")
        make_user("officer", email="bench@example.gov")
        engine = db.engine
    client = app.test_client()
    assert sign_in(client, "bench@example.gov").status_code == 302

    counts: Counter[str] = Counter()
    shown: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(_conn, _cursor, statement, _params, _context, _many) -> None:  # noqa: ANN001
        verb = statement.lstrip().split(None, 1)[0].upper()
        counts["statements"] += 1
        shown.append(" ".join(statement.split())[:160])
        if verb in WRITES:
            counts["writes"] += 1
            counts[f"{verb} {_table(statement, verb)}"] += 1

    @event.listens_for(engine, "commit")
    def _commit(_conn) -> None:  # noqa: ANN001
        counts["commits"] += 1
        shown.append("-- commit")

    @event.listens_for(engine, "checkout")
    def _checkout(*_args) -> None:  # noqa: ANN002
        counts["connection checkouts"] += 1

    plate = DEMO_CASES["diplomat_car"]
    headers = {"HX-Request": "true"}

    def one() -> None:
        response = client.post("/lookup", data={"q": plate, "kind": "plate"}, headers=headers)
        assert response.status_code == 200, response.status_code

    for _ in range(5):  # warm up: templates compiled, caches filled, history full enough to matter
        one()
    counts.clear()
    if args.show:
        shown.clear()
        one()
        print("the statements of one lookup:", *shown, sep="\n  ")
        counts.clear()
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    times, cpu = [], []
    for _ in range(args.runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        one()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    if profiler is not None:
        profiler.stop()
    backend = engine.dialect.name
    print(f"signed-in htmx lookup of {plate} at {args.persons:,} persons on {backend}, {args.runs} runs, in process:")
    print(f"  median {statistics.median(times):.2f} ms (p90 {statistics.quantiles(times, n=10)[-1]:.2f} ms)")
    print(f"  median CPU time of this process {statistics.median(cpu):.2f} ms (less noisy on a shared machine)")
    for name, total in sorted(counts.items(), key=lambda item: (item[0][0].islower(), item[0])):
        print(f"  {name:40s} {total / args.runs:6.2f} per lookup")
    if profiler is not None:
        print(profiler.output_text(unicode=True, color=False, show_all=False))


def _table(statement: str, verb: str) -> str:
    words = statement.split()
    after = {"INSERT": "INTO", "UPDATE": "UPDATE", "DELETE": "FROM"}[verb]
    for index, word in enumerate(words[:-1]):
        if word.upper() == after:
            return words[index + 1].strip('"')
    return "?"


if __name__ == "__main__":
    main()
