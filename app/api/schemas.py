"""The JSON API's shapes as pydantic models: what it accepts and what it answers (issue 11; SPEC §7).

The OpenAPI document is generated from these (app.api.spec) and every answer is validated against them before it
leaves, so the document cannot drift from the code. Answers are the results' own `to_dict()` (app.registry.results,
app.cards.services); `extra="forbid"` makes a field to_dict() adds without a model here fail the tests.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.immunity.codes import (
    Answer,
    CardIssuer,
    CardStatus,
    CardType,
    Category,
    Level,
    PersonStatus,
    Relationship,
    VehicleStatus,
)
from app.immunity.driving import DrivingLevel
from app.incident_codes import ActionTaken, IncidentType, Status
from app.incidents.schema import IncidentInput
from app.lookup import photo_refs
from app.offices import Office

# Path parameters: the shapes a request may have before the lookup's own normalisation reads it. ASCII only: a
# dispatch system sends what its operator typed, and the lookup refuses anything else with a reason (400).
PLATE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 .-]{0,19}$"
PLATE_MAX = 20
CARD_NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 -]{2,22}[A-Za-z0-9]$"
CARD_NUMBER_MAX = 24
REFERENCE_PATTERN = r"^INC-[0-9]{4}-[0-9]{6}$"
REFERENCE_MAX = 15
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"
# A QR token (ES256 JWT, a few hundred characters) or the card's BASE_URL/v/<token> address.
SCAN_MAX = 4096
LOOKUP_TEXT_MAX = 64  # what a lookup body's plate or card number may hold before the lookup reads it

# A photo address's reference (app.lookup.photo_refs): itsdangerous's URL-safe alphabet.
PHOTO_REF_PATTERN = r"^[A-Za-z0-9_.-]+$"
PHOTO_REF_MAX = photo_refs.MAX_LENGTH

PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "plate": {"type": "string", "pattern": PLATE_PATTERN, "minLength": 1, "maxLength": PLATE_MAX},
    "card_number": {"type": "string", "pattern": CARD_NUMBER_PATTERN, "minLength": 4, "maxLength": CARD_NUMBER_MAX},
    "reference": {"type": "string", "pattern": REFERENCE_PATTERN, "minLength": 15, "maxLength": REFERENCE_MAX},
    "ref": {"type": "string", "pattern": PHOTO_REF_PATTERN, "minLength": 1, "maxLength": PHOTO_REF_MAX},
}


class Answerish(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- Requests -------------------------------------------------------------------------------------------------


class VerifyRequest(BaseModel):
    """A scanned card: the token, or the whole address the QR code holds."""

    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, Field(min_length=1, max_length=SCAN_MAX, pattern=r"^[\x21-\x7e]+$")]


class LookupRequest(BaseModel):
    """A plate or a card number to look up, in the body: it stays out of addresses, so out of every proxy's log.

    Read by the lookup itself, as the GET calls' path is (so a Cyrillic letter gets the same answer saying so);
    the cap only keeps the body small.
    """

    model_config = ConfigDict(extra="forbid")

    plate: Annotated[str, Field(min_length=1, max_length=LOOKUP_TEXT_MAX)] | None = None
    card_number: Annotated[str, Field(min_length=1, max_length=LOOKUP_TEXT_MAX)] | None = None


class IncidentRequest(IncidentInput):
    """The incident's fields (as on the web form) and, optionally, what the officer looked up: a plate or a card
    number. The incident keeps a snapshot of that lookup's live verdict at filing time. No attachments here."""

    plate: Annotated[str, Field(max_length=PLATE_MAX, pattern=PLATE_PATTERN)] | None = None
    card_number: Annotated[str, Field(max_length=CARD_NUMBER_MAX, pattern=CARD_NUMBER_PATTERN)] | None = None


SUBJECT_FIELDS = ("plate", "card_number")


class IdempotencyHeaders(BaseModel):
    """Headers the filing call needs: one Idempotency-Key per incident, reused on every retry of it."""

    model_config = ConfigDict(populate_by_name=True)

    idempotency_key: Annotated[
        str, Field(alias="Idempotency-Key", min_length=16, max_length=64, pattern=IDEMPOTENCY_KEY_PATTERN)
    ]


# --- Lookup answers (app.registry.results.*.to_dict) ---------------------------------------------------------


class Query(Answerish):
    kind: Literal["plate", "card"]
    text: str


class Hint(Answerish):
    """What the plate's shape suggests: a hint, never proof."""

    layout: Literal["washington", "new_york"]
    status_letter: str
    status_meaning: str
    code: str
    number: str
    caveat: str | None
    mission: str | None


class VehicleMission(Answerish):
    name: str
    country: str | None


class Vehicle(Answerish):
    plate: str
    make: str | None
    model: str | None
    colour: str | None
    year: int | None
    status: VehicleStatus
    registration_expires: date | None
    mission: VehicleMission


class Mission(Answerish):
    name: str
    country: str | None
    city: str | None


class Card(Answerish):
    number: str
    type: CardType
    border_colour: Literal["blue", "green", "red"]
    status: CardStatus
    expires_on: date
    issuer: CardIssuer


class TableAnswers(Answerish):
    """The law-enforcement table's answers for this person ([BK] p.48), and the vehicle question."""

    arrest_or_detention: Answer
    residence_entry: Answer
    traffic_citation: Answer
    witness_subpoena: Answer
    prosecution: Answer
    vehicle_search_or_impound: Answer


class Verdict(Answerish):
    level: Level
    headline: str
    answers: TableAnswers
    family_rule: str
    always_allowed: list[str]
    caveats: list[str]
    reasons: list[str]
    record_level: Level


class Driving(Answerish):
    """The OFM driving record over the last two years; null when it has no points."""

    status: DrivingLevel
    points: int
    since: date
    last_violation: date


class ConsularNotification(Answerish):
    required: bool
    nationality: str | None


class Contact(Answerish):
    name: str
    number: str
    note: str
    tel: str | None


class Person(Answerish):
    id: str
    name: str
    title: str | None
    nationality: str | None
    mission: Mission
    category: Category
    relationship: Relationship
    principal_name: str | None
    us_national_or_lpr: bool
    status: PersonStatus
    card: Card | None
    problems: list[str]
    verdict: Verdict
    driving: Driving | None
    consular_notification: ConsularNotification
    contacts: list[Contact]
    photo_url: str | None = Field(
        description="The photo's address under /api/v1/photos/ (this token's user only, for 12 hours), or null"
    )


class LookupAnswer(Answerish):
    """What the verdict screen shows for a plate or a card number."""

    query: Query
    typed_as: Literal["plate", "card"] | None
    hint: Hint | None
    suggestions: list[str]
    data_as_of: datetime | None
    vehicle: Vehicle | None
    persons: list[Person]


# --- Verify ---------------------------------------------------------------------------------------------------

# `verified`, or why not: SPEC §4's eight reasons, `not_envoy` (not an Envoy code at all), `unverified` (the card
# is good but the person's record is not current) and `registry_unavailable` (the registry could not be asked).
VerifyResult = Literal[
    "verified",
    "unverified",
    "registry_unavailable",
    "bad_signature",
    "unknown_key",
    "key_withdrawn",
    "expired",
    "malformed",
    "revoked",
    "superseded",
    "not_in_registry",
    "not_envoy",
]
CheckResult = Literal["passed", "failed", "not_checked"]


class Checks(Answerish):
    signature: CheckResult
    expiry: CheckResult
    registry: CheckResult


class VerifyAnswer(Answerish):
    """A scanned card: the result, each step, and the card's person as a lookup shows them (when the registry
    knows the card). A refused token never carries a `full` verdict."""

    result: VerifyResult
    card_number: str | None
    checks: Checks
    checked_at: datetime
    data_as_of: datetime | None
    replaced_on: datetime | None
    persons: list[Person]


# --- Incidents ------------------------------------------------------------------------------------------------


class Attachment(Answerish):
    position: int
    filename: str
    media_type: str
    size: int
    sha256: str


class IncidentAnswer(Answerish):
    """An incident as its filer sees it: what was filed, the snapshot of what was shown, where it stands."""

    reference: str
    status: Status
    office: Office
    filed_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    type: IncidentType
    occurred_at: datetime
    place: str
    state: str
    narrative: str
    actions_taken: list[ActionTaken]
    citation_number: str | None
    report_number: str | None
    ds_called: bool
    ds_confirmed_by: str | None
    ds_confirmed_at: datetime | None
    impairment_signs: str | None
    sobriety_tests: str | None
    snapshot: dict[str, Any]
    attachments: list[Attachment]


# --- Errors ---------------------------------------------------------------------------------------------------


class ApiError(Answerish):
    """Every refusal: a code for programs, a message for people."""

    error: str
    message: str


class LookupMiss(ApiError):
    """No record: the plate's hint and the near matches the web page offers."""

    query: Query
    hint: Hint | None
    suggestions: list[str]
    data_as_of: datetime | None


class IncidentRefused(ApiError):
    """Not filed: `fields` names each bad field (invalid_incident); `reference` is the incident an idempotency
    key already filed with other details (idempotency_key_reused)."""

    fields: dict[str, str] | None = None
    reference: str | None = None
