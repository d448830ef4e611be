"""Unguessable photo addresses: a photo is served only for a result its user was shown (issue 12 item 4).

Person ids are sequential (P0000001…), so `/photos/<person id>` let anyone signed in walk the registry's faces.
A result now names each photo by a reference signed with SECRET_KEY that carries who was shown it, whose photo
it is and which result (`rid`) showed it; it works for that user only, for as long as an incident may read the
lookup back (12 hours). Signed, not stored: a lookup still writes one audit event and nothing else (issue 14).
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "envoy.photo-ref"
MAX_AGE = timedelta(hours=12)
# A ref is ~100 characters; anything much longer is not one of ours and is refused before it is parsed.
MAX_LENGTH = 400


@dataclass(frozen=True)
class Reading:
    """What a presented ref says: the person and result when it is good for this user, else why not."""

    person_id: str | None = None
    rid: str | None = None
    refusal: str | None = None  # malformed, expired, other_user


def make(user_id: int, person_id: str, rid: str) -> str:
    """The reference to `person_id`'s photo in result `rid`, shown to user `user_id`."""
    return str(_serializer().dumps([user_id, person_id, rid]))


def read(ref: str, user_id: int) -> Reading:
    """The person and result a ref names if it is ours, unaltered, younger than MAX_AGE and `user_id`'s."""
    if len(ref) > MAX_LENGTH:
        return Reading(refusal="malformed")
    try:
        payload = _serializer().loads(ref, max_age=int(MAX_AGE.total_seconds()))
    except SignatureExpired:
        return Reading(refusal="expired")
    except BadSignature:  # tampered, made with another key, or not a ref at all (the old /photos/P0000001)
        return Reading(refusal="malformed")
    owner, person_id, rid = payload
    if owner != user_id:
        return Reading(person_id=person_id, rid=rid, refusal="other_user")
    return Reading(person_id=person_id, rid=rid)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=SALT, signer_kwargs={"digest_method": hashlib.sha256}
    )
