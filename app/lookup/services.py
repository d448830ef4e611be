"""The officer page's lookup: what was typed, read as a plate or a card number, found, audited.

The finding itself is app.registry.results; the policy is here: automatic kind detection, the fallback that
finds a card number typed as a plate (and the other way round), and the audit event.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal

from sqlalchemy import select

from app import alphabets, plates
from app.audit import service as audit
from app.audit.actor import current_actor
from app.audit.search import RecentLookup, own_recent_lookups, own_result_event
from app.cards import numbers
from app.errors import DomainError
from app.extensions import db
from app.lookup import history, photo_refs, walks
from app.models import Person
from app.registry import photos, results
from app.registry.results import Kind, LookupResult


class LookupInputError(DomainError, ValueError):
    """The query cannot be looked up as typed; the message says why, for the officer (and the API: 400)."""

    status = 400
    code = "invalid_query"


def normalise(raw: str, kind: Kind | Literal["auto"]) -> tuple[Kind, str]:
    """Decide what was typed and put it in canonical form; LookupInputError if it cannot be looked up."""
    if letters := alphabets.foreign_letters(raw):
        # Greek Ζ or Cyrillic О look Latin in the field: say which they are, never read them as Latin (SPEC §4).
        raise LookupInputError(alphabets.retype_message(letters))
    if kind == "auto":
        kind = "card" if numbers.PRINTED.fullmatch(numbers.compact(raw)) else "plate"
    if kind == "plate":
        try:
            return "plate", plates.normalise(raw)
        except plates.PlateError as error:
            raise LookupInputError(str(error)) from None
    number = numbers.compact(raw)
    if not number:
        raise LookupInputError("Enter a card number")
    if not numbers.TYPED.fullmatch(number):
        raise LookupInputError("A card number has 4 to 20 letters and digits")
    return "card", number


@dataclass(frozen=True)
class SignIn:
    """The page's sign-in a lookup is made in: its tag (app.auth.sessions.ServerSession.tag) and when it began."""

    tag: str
    since: datetime


@dataclass(frozen=True)
class PageLookup:
    """A lookup made on the officer's or the dispatcher's page, and that sign-in's history with it on top."""

    result: LookupResult
    history: list[history.Entry]


def lookup(
    raw: str,
    kind: Kind | Literal["auto"] = "auto",
    today: date | None = None,
    rid: str | None = None,
    via: Mapping[str, object] | None = None,
) -> LookupResult:
    """Look up a plate or card number, audit the lookup and return what the registry says.

    Invalid input is audited too (outcome `invalid`) and raised as LookupInputError. `rid` names the result
    on the lookup pages (/lookup/r/<rid>); the audit event keeps it so `earlier_lookup` can name it later.
    `via` goes into the event's detail: the JSON API names itself and its token there.
    """
    return _audited(raw, kind, today, rid, via, None).result


def page_lookup(raw: str, kind: Kind | Literal["auto"], rid: str, signin: SignIn | None) -> PageLookup:
    """`lookup` from a page: its event also carries its history line, and the history comes back with it.

    One read of the user's recent lookups, before the event is written, serves the walk check and the history
    (the lookup just made goes on top): no read of the trail after the commit (issue 14). Without a stored
    sign-in (`signin` None) there is no history to carry or show.
    """
    return _audited(raw, kind, None, rid, None, signin)


def _audited(
    raw: str,
    kind: Kind | Literal["auto"],
    today: date | None,
    rid: str | None,
    via: Mapping[str, object] | None,
    signin: SignIn | None,
) -> PageLookup:
    today = today or date.today()
    try:
        kind, query = normalise(raw, kind)
    except LookupInputError:
        audit.record(f"lookup.{kind if kind != 'auto' else 'query'}", "invalid", detail=dict(via) if via else None)
        db.session.commit()
        raise
    result = _find(kind, query, today)
    if not result.found and (other := _other_reading(raw, kind)) is not None:
        # "ZZ000001" typed under Plate is a card number; a miss there would be a false "no record".
        alternative = _find(*other, today)
        if alternative.found:
            result = replace(alternative, typed_as=kind)
    user_id = current_actor().user_id
    now = datetime.now(UTC)
    since = min(now - walks.WINDOW, signin.since) if signin else now - walks.WINDOW
    earlier: list[RecentLookup] = []
    if user_id is not None and (signin or walks.watches(result.query)):
        earlier = own_recent_lookups(user_id, since, walks.RECENT_MAX)
    outcome = "hit" if result.found else "miss"
    event = audit.record(
        f"lookup.{result.kind}",
        outcome,
        query=result.query,
        record_ids=_record_ids(result),
        detail={
            **({"typed_as": kind} if result.typed_as else {}),
            **({"rid": rid} if rid else {}),
            **(history.detail(signin.tag, result) if signin else {}),
            **(via or {}),
        }
        or None,
    )
    result = replace(result, looked_up_at=event.occurred_at)
    db.session.commit()
    walks.check_after_lookup(user_id, (result.query, outcome), earlier, now)
    if signin is None or rid is None:
        return PageLookup(result, [])
    entries = history.from_recent(earlier, signin.tag, signin.since, cut=len(earlier) == walks.RECENT_MAX)
    if entries is None:
        entries = history.recent(user_id, signin.tag, signin.since) if user_id is not None else []
    return PageLookup(result, history.with_new(entries, rid, result))


def earlier_lookup(user_id: int, rid: str) -> tuple[Kind, str] | None:
    """The kind and query of this user's own lookup `rid` from the last 12 hours (the audit trail keeps it).

    For a result link that outlived its session: the page can say what it was for and offer it again.
    """
    event = own_result_event(user_id, rid, ("lookup.plate", "lookup.card"), timedelta(hours=12))
    if event is None or event.query is None:
        return None
    return ("plate" if event.action == "lookup.plate" else "card"), event.query


def _find(kind: Kind, query: str, today: date) -> LookupResult:
    return results.find_plate(query, today) if kind == "plate" else results.find_card(query, today)


def _other_reading(raw: str, kind: Kind) -> tuple[Kind, str] | None:
    """The same input read as the other kind, when it has that kind's shape: a printed card number, or a plate."""
    if kind == "plate":
        number = numbers.compact(raw)
        return ("card", number) if numbers.PRINTED.fullmatch(number) else None
    try:
        return "plate", plates.normalise(raw)
    except plates.PlateError:
        return None


def _record_ids(result: LookupResult) -> list[str]:
    ids = [f"vehicle:{result.vehicle.plate}"] if result.vehicle else []
    ids += [f"person:{p.id}" for p in result.persons]
    ids += [f"card:{p.card.number}" for p in result.persons if p.card]
    return ids


def photo_path(ref: str, user_id: int, instance: Path, via: Mapping[str, object] | None = None) -> Path | None:
    """The photo file `ref` names for this user, or None (the caller's 404); audited either way, one commit.

    Each fetch is an event `lookup.photo` (ok, or refused with the reason) naming the person and the result
    (`rid`) the photo was shown in, so a walk through the registry's faces leaves a trace even when refused.
    """
    reading = photo_refs.read(ref, user_id)
    refusal = reading.refusal
    path = None
    if refusal is None and reading.person_id is not None:
        path = _photo_file(reading.person_id, instance)
        refusal = None if path is not None else "no_photo"
    audit.record(
        "lookup.photo",
        "refused" if refusal else "ok",
        record_ids=[f"person:{reading.person_id}"] if reading.person_id else [],
        detail={
            **({"rid": reading.rid} if reading.rid else {}),
            **({"reason": refusal} if refusal else {}),
            **(via or {}),
        }
        or None,
    )
    db.session.commit()
    return path


def _photo_file(person_id: str, instance: Path) -> Path | None:
    """The person's photo in the instance folder when the registry has one and the file is there."""
    name = db.session.scalar(select(Person.photo_file).where(Person.id == person_id))
    if name is None:
        return None
    try:
        path = photos.instance_file(instance, name)
    except ValueError:  # not a name the registry writes: never follow it
        return None
    return path if path.is_file() else None
