"""Write the demo incident history (app.incidents.demo) into an empty desk: the agencies and accounts that file
and review it, snapshots of real lookups of the demo registry, then every incident with its events,
attachments and confirmed points, and the reference counters, in one transaction."""

import random
import secrets
from typing import Any

from flask import current_app
from sqlalchemy import insert, select

from app.audit import service as audit
from app.audit.actor import Actor
from app.auth import accounts, passwords
from app.auth.commands import DEMO_ACCOUNTS, DEMO_AGENCY_OFM, DEMO_AGENCY_POLICE
from app.auth.roles import Role
from app.database import transaction
from app.errors import DomainError
from app.extensions import db
from app.incidents import demo, snapshot
from app.models import (
    Agency,
    Card,
    DrivingPoints,
    Incident,
    IncidentAttachment,
    IncidentCounter,
    IncidentEvent,
    User,
    Vehicle,
)
from app.models.base import utcnow
from app.offices import Office, parse_overrides
from app.registry.results import find_card, find_plate

DEFAULT_SEED = 2026
# (name, state, IANA time zone, the account that files its incidents, share of the incidents)
AGENCIES = (
    (DEMO_AGENCY_POLICE, "DC", "America/New_York", "officer2@demo-pd.example", 20),
    ("Demo County Sheriff's Office", "NY", "America/New_York", "officer@demo-sheriff.example", 25),
    ("Demo City Police", "IL", "America/Chicago", "officer@demo-city-pd.example", 12),
    ("Demo Highway Patrol", "CA", "America/Los_Angeles", "officer@demo-highway.example", 15),
    ("Demo Metro Police", "TX", "America/Chicago", "officer@demo-metro-pd.example", 10),
    ("Demo Beach Police", "FL", "America/New_York", "officer@demo-beach-pd.example", 8),
)
REVIEWERS = (
    ("reviewer.hq@ofm.example", Office.HEADQUARTERS),
    ("reviewer.ny@ofm.example", Office.NEW_YORK),
    ("reviewer.chicago@ofm.example", Office.CHICAGO),
    ("reviewer.la@ofm.example", Office.LOS_ANGELES),
)
# `users demo`'s officer and reviewer take part when they exist, so they find history of their own.
DEMO_USERS = {role: email for role, email, *_ in DEMO_ACCOUNTS}
SUBJECTS = {"plates": 40, "cards": 30, "misses": 10, "repeat": 10}


class DemoRegistryMissing(DomainError):
    """There is no demo registry to look the incidents' persons and vehicles up in."""


def incidents_exist() -> bool:
    return db.session.scalar(select(Incident.id).limit(1)) is not None


def seed_demo_incidents(seed: int = DEFAULT_SEED, count: int = demo.DEMO_INCIDENTS) -> int:
    """Add `count` demo incidents (app.incidents.demo) to an empty desk; returns how many. The agencies and
    accounts it needs are made first (`_cast`), then the history is written in one transaction."""
    now = utcnow()
    cast = _cast()
    subjects = _subjects(seed, now.date())
    last_numbers = {year: last for year, last in db.session.execute(select(IncidentCounter.year, IncidentCounter.last))}
    overrides = parse_overrides(current_app.config.get("OFM_OFFICE_BY_STATE", ""))
    history = demo.generate(seed, now, cast, subjects, last_numbers, overrides, count)
    with transaction():
        ids = db.session.scalars(
            insert(Incident).returning(Incident.id, sort_by_parameter_order=True),
            [planned.row for planned in history.incidents],
        ).all()
        by_id = list(zip(ids, history.incidents, strict=True))
        _insert(IncidentEvent, [{"incident_id": i, **event} for i, planned in by_id for event in planned.events])
        _insert(IncidentAttachment, [{"incident_id": i, **a} for i, planned in by_id for a in planned.attachments])
        _insert(DrivingPoints, [planned.points for _, planned in by_id if planned.points])
        for year, last in history.counters.items():
            db.session.merge(IncidentCounter(year=year, last=last))
    return len(ids)


def _insert(model: type[Any], rows: list[dict[str, Any]]) -> None:
    if rows:
        db.session.execute(insert(model).execution_options(render_nulls=True), rows)


def _cast() -> demo.Cast:
    with transaction():
        agencies = {name: _agency(name, state, time_zone) for name, state, time_zone, *_ in AGENCIES}
        ofm = _agency(DEMO_AGENCY_OFM, None, None)
        wanted = [(email, Role.OFFICER, agencies[name], None) for name, _, _, email, _ in AGENCIES]
        wanted += [(email, Role.REVIEWER, ofm, office) for email, office in REVIEWERS]
        users = _accounts(wanted)
    filers = [
        demo.Filer(users[email].id, email, agencies[name].id, state, weight)
        for name, state, _, email, weight in AGENCIES
    ]
    officer = accounts.find_user(DEMO_USERS[Role.OFFICER])
    if officer is not None and officer.agency.state:
        filers.append(demo.Filer(officer.id, officer.email, officer.agency_id, officer.agency.state, 10))
    reviewers = [demo.Reviewer(users[email].id, email, office) for email, office in REVIEWERS]
    if (reviewer := accounts.find_user(DEMO_USERS[Role.REVIEWER])) is not None:
        reviewers.append(demo.Reviewer(reviewer.id, reviewer.email, None))
    return demo.Cast(tuple(filers), tuple(reviewers))


def _agency(name: str, state: str | None, time_zone: str | None) -> Agency:
    """The agency, made if missing; one with no state yet (as `users demo` makes them) gets this one."""
    agency = db.session.scalar(select(Agency).where(Agency.name == name))
    if agency is None:
        agency = Agency(name=name)
        db.session.add(agency)
    if agency.state is None and state is not None:
        agency.state, agency.time_zone = state, time_zone
    return agency


def _accounts(wanted: list[tuple[str, Role, Agency, Office | None]]) -> dict[str, User]:
    """The accounts that filed and reviewed the history, made when missing, in the caller's transaction.

    They share one hash of a random password that is never shown: they exist to have filed and reviewed, not to
    sign in (an admin can still reset one). One hash rather than one each: Argon2 costs half a second a hash.
    """
    emails = [email for email, *_ in wanted]
    found = {user.email: user for user in db.session.scalars(select(User).where(User.email.in_(emails)))}
    missing = [w for w in wanted if w[0] not in found]
    if missing:
        password_hash = passwords.hash_password(secrets.token_urlsafe(32))
    for email, role, agency, office in missing:
        user = User(
            email=email, password_hash=password_hash, role=role, agency=agency, office=office, recent_failures=[]
        )
        db.session.add(user)
        db.session.flush()
        audit.record(
            "admin.user_create",
            "success",
            actor=Actor.cli(),
            record_ids=[str(user.id)],
            detail={"email": email, "role": str(role), "agency": agency.name, "via": "cli", "demo": True},
        )
        found[email] = user
    return found


def _subjects(seed: int, today: Any) -> demo.Subjects:
    """Snapshots of lookups of sampled demo vehicles and cards, and of plates the registry does not hold.
    The demo cases' persons (ids DEMO-…) are left alone: their driving records are the journeys' own."""
    rng = random.Random(f"incident-subjects-{seed}")  # noqa: S311 -- demo data, never secrets
    plates = db.session.scalars(
        select(Vehicle.plate)
        .where(Vehicle.person_id.isnot(None), Vehicle.person_id.not_like("DEMO-%"))
        .order_by(Vehicle.plate)
    ).all()
    cards = db.session.scalars(
        select(Card.card_number).where(Card.person_id.not_like("DEMO-%")).order_by(Card.card_number)
    ).all()
    if len(plates) < SUBJECTS["plates"] + SUBJECTS["repeat"] or len(cards) < SUBJECTS["cards"]:
        raise DemoRegistryMissing("seed the demo registry first: flask --app wsgi registry seed-demo")
    chosen = rng.sample(plates, SUBJECTS["plates"] + SUBJECTS["repeat"])
    known = set(db.session.scalars(select(Vehicle.plate)))
    misses: list[str] = []
    while len(misses) < SUBJECTS["misses"]:
        seen = rng.choice(plates)
        seen = seen[:-2] + f"{rng.randint(0, 99):02d}" if seen[-2:].isdigit() else seen[:-1] + rng.choice("XYZ")
        if seen not in known and seen not in misses:
            misses.append(seen)

    def shown(result: Any) -> dict[str, Any]:
        return snapshot.of_lookup(result, utcnow())

    return demo.Subjects(
        plates=tuple(shown(find_plate(plate, today)) for plate in chosen[: SUBJECTS["plates"]]),
        cards=tuple(shown(find_card(number, today)) for number in rng.sample(cards, SUBJECTS["cards"])),
        misses=tuple(shown(find_plate(plate, today)) for plate in misses),
        repeat=tuple(shown(find_plate(plate, today)) for plate in chosen[SUBJECTS["plates"] :]),
    )
