"""Verify a scanned card: the token's signature and expiry, then the live registry, which always wins (SPEC §4)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from flask import current_app
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.audit import service as audit
from app.cards import keyring, tokens
from app.cards.tokens import Reason, TokenError
from app.extensions import db
from app.immunity import CardStatus
from app.registry.freshness import data_as_of
from app.registry.results import PersonResult, PhotoUrl, card_holder, iso, person_result

_REGISTRY_DOWN = (OperationalError, PoolTimeoutError)


class Outcome(StrEnum):
    """What a scan showed: every `Reason` a token or the registry refuses it for, and three outcomes of its own.

    The values are the codes the audit trail, the page's data-card-check and cards.wording.OUTCOMES use.
    """

    VALID = "valid"
    # Token and card are good, but the person's record is not current (departed, accreditation ended, ...).
    UNVERIFIED = "unverified"
    # The signature may be fine but the registry could not be asked: amber, never green (T23).
    REGISTRY_UNAVAILABLE = "registry_unavailable"
    BAD_SIGNATURE = Reason.BAD_SIGNATURE.value
    UNKNOWN_KEY = Reason.UNKNOWN_KEY.value
    KEY_WITHDRAWN = Reason.KEY_WITHDRAWN.value
    EXPIRED = Reason.EXPIRED.value
    MALFORMED = Reason.MALFORMED.value
    REVOKED = Reason.REVOKED.value
    SUPERSEDED = Reason.SUPERSEDED.value
    NOT_IN_REGISTRY = Reason.NOT_IN_REGISTRY.value
    NOT_ENVOY = Reason.NOT_ENVOY.value


class Check(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_CHECKED = "not_checked"


# Which step each token failure is a failure of; the later steps were not reached.
_SIGNATURE_FAILURES = frozenset(
    {Reason.BAD_SIGNATURE, Reason.UNKNOWN_KEY, Reason.KEY_WITHDRAWN, Reason.MALFORMED, Reason.NOT_ENVOY}
)


@dataclass(frozen=True)
class CardCheck:
    """What a scan showed: the outcome, each step's result, and the person when the registry knows the card.

    The person is given only when the registry found the card; a failed token never shows registry data.
    """

    outcome: Outcome
    reason: Reason | None
    card_number: str | None
    person: PersonResult | None
    signature: Check
    expiry: Check
    registry: Check
    checked_at: datetime
    data_as_of: datetime | None = None
    replaced_on: datetime | None = None

    def to_dict(self, photo_url: PhotoUrl | None = None) -> dict[str, Any]:
        """The scan as plain JSON values: the outcome code, each step, and the person when the registry found it."""
        return {
            "outcome": str(self.outcome),
            "reason": str(self.reason) if self.reason else None,
            "card_number": self.card_number,
            "checks": {"signature": str(self.signature), "expiry": str(self.expiry), "registry": str(self.registry)},
            "checked_at": iso(self.checked_at),
            "data_as_of": iso(self.data_as_of),
            "replaced_on": iso(self.replaced_on),
            "person": self.person.to_dict(photo_url) if self.person else None,
        }

    @property
    def verified(self) -> bool:
        return self.outcome is Outcome.VALID

    @property
    def tone(self) -> str:
        """verified (green), stop (red: do not rely) or unchecked (amber: status not known)."""
        if self.outcome is Outcome.VALID:
            return "verified"
        if self.outcome is Outcome.REGISTRY_UNAVAILABLE:
            return "unchecked"
        return "stop"


def verify_card_token(
    raw: str, now: datetime, rid: str | None = None, via: Mapping[str, object] | None = None
) -> CardCheck:
    """Check what a scanner read (a bare token or our BASE_URL/v/<token> URL), audit it and return the result.

    Order: extract, signature and claims (app.cards.tokens), then the registry by card number: unknown →
    not_in_registry; revoked or lost → revoked; printed before the card's min_valid_iat → superseded; then
    the person's own status, which makes the verdict `unverified`. Every scan is audited as `card.verify`
    with the card number when known, never the token; `rid` names the result on the page, for filing an
    incident from it (app.incidents.service.source_for); `via` joins the detail (the JSON API and its token).
    Commits once.
    """
    check, record_ids, detail = _check(raw, now)
    if rid:
        detail = {**detail, "rid": rid}
    if via:
        detail = {**detail, **via}
    audit.record(
        "card.verify",
        check.outcome,
        query=check.card_number,
        record_ids=record_ids,
        detail=detail,
    )
    db.session.commit()
    return check


def _check(raw: str, now: datetime) -> tuple[CardCheck, list[str], dict[str, object]]:
    now = now.astimezone(UTC)
    try:
        token = tokens.extract(raw, current_app.config["BASE_URL"])
        ring = keyring.load_ring()
        verified = tokens.verify(token, ring, now)
    except TokenError as error:
        return _token_failure(error.reason, now), [], {"detail": error.detail}
    except _REGISTRY_DOWN:
        db.session.rollback()
        return _unavailable(None, now, Check.NOT_CHECKED), [], {}

    detail: dict[str, object] = {"kid": verified.kid, "iat": int(verified.issued_at.timestamp())}
    number = verified.card_number
    try:
        holder = card_holder(number)
    except _REGISTRY_DOWN:
        db.session.rollback()
        return _unavailable(number, now, Check.PASSED), [f"card:{number}"], detail

    if holder is None:
        missing = Reason.NOT_IN_REGISTRY, Outcome.NOT_IN_REGISTRY
        return _registry_result(number, now, *missing, None, None, data_as_of()), [f"card:{number}"], detail

    card = holder.card
    record_ids = [f"card:{number}", f"person:{holder.person.id}"]
    today = now.date()
    reason: Reason | None = None
    extra: tuple[str, ...] = ()
    replaced_on = None
    if card.status in (CardStatus.REVOKED, CardStatus.LOST):
        reason = Reason.REVOKED
    elif card.min_valid_iat is not None and verified.issued_at < _whole_seconds(card.min_valid_iat):
        reason = Reason.SUPERSEDED
        replaced_on = card.min_valid_iat
        extra = (
            f"This print of card {number} was replaced by a newer print on "
            f"{card.min_valid_iat:%Y-%m-%d}: the card shown may be lost or stolen",
        )
    person = person_result(holder.person, card, today, extra)
    if reason is not None:
        outcome = Outcome(reason)
    elif person.problems:
        outcome = Outcome.UNVERIFIED
    else:
        outcome = Outcome.VALID
    return _registry_result(number, now, reason, outcome, person, replaced_on, holder.data_as_of), record_ids, detail


def _registry_result(
    number: str,
    now: datetime,
    reason: Reason | None,
    outcome: Outcome,
    person: PersonResult | None,
    replaced_on: datetime | None,
    as_of: datetime | None,
) -> CardCheck:
    """A token that passed signature and expiry, judged by the registry."""
    return CardCheck(
        outcome=outcome,
        reason=reason,
        card_number=number,
        person=person,
        signature=Check.PASSED,
        expiry=Check.PASSED,
        registry=Check.PASSED if outcome is Outcome.VALID else Check.FAILED,
        checked_at=now,
        data_as_of=as_of,
        replaced_on=replaced_on,
    )


def _token_failure(reason: Reason, now: datetime) -> CardCheck:
    signature = Check.FAILED if reason in _SIGNATURE_FAILURES else Check.PASSED
    expiry = Check.FAILED if reason is Reason.EXPIRED else Check.NOT_CHECKED
    return CardCheck(
        outcome=Outcome(reason),
        reason=reason,
        card_number=None,
        person=None,
        signature=signature,
        expiry=expiry,
        registry=Check.NOT_CHECKED,
        checked_at=now,
    )


def _unavailable(card_number: str | None, now: datetime, signature: Check) -> CardCheck:
    return CardCheck(
        outcome=Outcome.REGISTRY_UNAVAILABLE,
        reason=None,
        card_number=card_number,
        person=None,
        signature=signature,
        expiry=signature,
        registry=Check.FAILED,
        checked_at=now,
    )


def _whole_seconds(moment: datetime) -> datetime:
    """Token times are whole seconds; a reprint at 12:00:00.4 must still accept a print stamped 12:00:00."""
    return moment.replace(microsecond=0)
