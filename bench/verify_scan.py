"""Server time per QR scan, in process: what verification adds on top of a card-number lookup.

Run: .venv/bin/python bench/verify_scan.py [--runs N] [--database-url URL]
Prints the median of N runs for each step. The budget (issue "Signed QR cards"): under 1 ms of added
server time per scan beyond the lookup, i.e. `key ring + token verify` below.
"""

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.cards import keyring, services, tokens  # noqa: E402
from app.extensions import db  # noqa: E402
from app.immunity.codes import (  # noqa: E402
    CardIssuer,
    CardStatus,
    CardType,
    Category,
    MissionKind,
    PersonStatus,
    Relationship,
)
from app.lookup import services as lookup  # noqa: E402
from app.models import Card, Mission, Person  # noqa: E402


def median_ms(step: Callable[[], object], runs: int) -> float:
    for _ in range(min(50, runs)):
        step()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.db"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "BASE_URL": "https://envoy.example.gov", "TESTING": True})
        app.instance_path = folder
        with app.app_context():
            db.drop_all()
            db.create_all()
            mission = Mission(id="M1", name="Embassy of Benchland", country="Benchland", kind=MissionKind.EMBASSY)
            person = Person(
                id="P1",
                mission=mission,
                full_name="Bench Person",
                category=Category.DIPLOMATIC_AGENT,
                relationship=Relationship.PRINCIPAL,
                status=PersonStatus.ACTIVE,
            )
            db.session.add(
                Card(
                    card_number="DA100001",
                    person=person,
                    card_type=CardType.DIPLOMATIC,
                    issuer=CardIssuer.PROTOCOL,
                    issued_on=date(2026, 1, 1),
                    expires_on=date(2029, 1, 1),
                    status=CardStatus.VALID,
                )
            )
            db.session.commit()
            keyring.rotate(datetime.now(UTC))
            now = datetime.now(UTC)
            token = tokens.issue("DA100001", date(2029, 1, 1), keyring.signing_ring(), now)
            ring = keyring.load_ring()
            rows = {
                "token verify (ES256 + claims)": lambda: tokens.verify(token, ring, now),
                "key ring (cache check query)": keyring.load_ring,
                "key ring + token verify (added by a scan)": lambda: tokens.verify(token, keyring.load_ring(), now),
                "checks without audit (ring, verify, registry)": lambda: services._check(token, now),
                "card-number lookup (baseline, audited)": lambda: lookup.lookup("DA100001", "card"),
                "whole scan (verify_card_token, audited)": lambda: services.verify_card_token(token, now),
            }
            print(f"database: {db.engine.dialect.name}; median of {args.runs} runs")
            for name, step in rows.items():
                runs = args.runs if "audited" not in name else max(200, args.runs // 5)
                print(f"  {name:<48} {median_ms(step, runs):7.3f} ms")
            db.session.remove()
            db.drop_all()


if __name__ == "__main__":
    main()
