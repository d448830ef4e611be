"""Benchmark the officer page: first-load weight, and server time of a lookup fragment at OFM scale.

Run: .venv/bin/python bench/lookup.py [--persons 55000] [--runs 300]
Prints the compressed size of everything the officer page loads first, and medians (in process,
Flask test client, SQLite file database) for: the whole htmx lookup request (query, verdict,
audit event with its commit, render), the lookup service alone, and the fragment render alone.
"""

import argparse
import gzip
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import render_template  # noqa: E402

from app.extensions import db  # noqa: E402
from app.lookup import services  # noqa: E402
from app.lookup.views import OFFICER  # noqa: E402
from app.lookup.wording import TEMPLATE_GLOBALS  # noqa: E402
from app.registry.seed import DEMO_CASES, seed_demo  # noqa: E402
from tests.conftest import make_app, sign_in  # noqa: E402
from tests.factories import make_user  # noqa: E402


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=55_000)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'bench.db'}", TESTING=False)
    with app.app_context():
        db.create_all()
        seed_demo(persons=args.persons, seed=1)
        make_user("officer", email="bench@example.gov")
    client = app.test_client()
    assert sign_in(client, "bench@example.gov").status_code == 302

    page = client.get("/lookup")
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.get_data(as_text=True))
    sizes = {"/lookup": (len(page.data), len(gzip.compress(page.data, 9)))}
    for url in assets:
        body = client.get(url).data
        sizes[url] = (len(body), len(gzip.compress(body, 9)))
    print("first load of the officer page (raw / gzip -9 bytes):")
    for url, (raw, gz) in sizes.items():
        print(f"  {url:60s} {raw:>8,} {gz:>8,}")
    total = sum(gz for _raw, gz in sizes.values())
    print(f"  total compressed: {total:,} B ({total / 1024:.1f} KiB); the QR decoder's wasm loads only on 'Scan'")

    plate = DEMO_CASES["diplomat_car"]
    headers = {"HX-Request": "true"}
    request_ms = median_ms(
        lambda: client.post("/lookup", data={"q": plate, "kind": "plate"}, headers=headers), args.runs
    )
    with app.test_request_context():
        from flask_login import login_user

        from app.models import User

        login_user(db.session.scalar(db.select(User)))
        service_ms = median_ms(lambda: services.lookup(plate, "plate"), args.runs)
        result = services.lookup(plate, "plate")
        render_ms = median_ms(
            lambda: render_template("lookup/_outcome.html", result=result, layout=OFFICER, **TEMPLATE_GLOBALS),
            args.runs,
        )
        miss_ms = median_ms(lambda: services.lookup("DWJ12O4", "plate"), args.runs)
    print(f"lookup of {plate} at {args.persons:,} persons, median of {args.runs} (SQLite file, in process):")
    print(f"  whole htmx request (query + verdict + audit commit + render): {request_ms:.2f} ms")
    print(f"  lookup service alone (query + verdict + audit commit):        {service_ms:.2f} ms")
    print(f"  fragment render alone:                                         {render_ms:.2f} ms")
    print(f"  miss with near-match search (DWJ12O4):                        {miss_ms:.2f} ms")


if __name__ == "__main__":
    main()
