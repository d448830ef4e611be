"""What an officer files, validated once for the web form and the JSON API alike (SPEC §5; facts §4.4).

A pydantic model, so the API's OpenAPI document can be generated from the same definition that refuses bad
input: field names are the form's and the API's (`type`, `occurred_at`, `actions_taken`, ...).
"""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from app.incident_codes import ActionTaken, IncidentType
from app.offices import STATES

# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)
# Reports go to OFM within days (Maryland: 5 workdays, facts §4.4); a year back is already a late report.
OLDEST = timedelta(days=366)
NARRATIVE_MAX = 8000
TEXT_MAX = 4000
NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ./-]{0,39}$"

Line = Annotated[str, Field(max_length=200)]
Number = Annotated[str, Field(max_length=40, pattern=NUMBER_PATTERN)]


class IncidentInput(BaseModel):
    """One incident as the officer reports it; the context (who and what was looked up) comes separately."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    type: IncidentType
    occurred_at: AwareDatetime
    place: Annotated[str, Field(min_length=2, max_length=200)]
    state: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    narrative: Annotated[str, Field(min_length=10, max_length=NARRATIVE_MAX)]
    actions_taken: Annotated[list[ActionTaken], Field(min_length=1, max_length=len(ActionTaken))]
    # Checks that read an earlier field run even when the field is left out (validate_default), so the officer
    # sees every problem at once; fields are validated in this order.
    citation_number: Number | None = Field(None, validate_default=True)
    report_number: Number | None = None
    ds_called: bool = False
    ds_confirmed_by: Annotated[str, Field(max_length=120)] | None = Field(None, validate_default=True)
    ds_confirmed_at: AwareDatetime | None = Field(None, validate_default=True)
    impairment_signs: Annotated[str, Field(max_length=TEXT_MAX)] | None = Field(None, validate_default=True)
    sobriety_tests: Annotated[str, Field(max_length=TEXT_MAX)] | None = Field(None, validate_default=True)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        """An empty optional field is no answer; DUI details belong to a DUI report only."""
        if not isinstance(data, dict):
            return data
        data = {k: (None if isinstance(v, str) and not v.strip() else v) for k, v in data.items()}
        if data.get("type") != IncidentType.DUI:
            data["impairment_signs"] = data["sobriety_tests"] = None
        return data

    @field_validator("state")
    @classmethod
    def _known_state(cls, state: str) -> str:
        if state not in STATES:
            raise ValueError(f"{state} is not a US state or territory code")
        return state

    @field_validator("actions_taken")
    @classmethod
    def _actions(cls, actions: list[ActionTaken]) -> list[ActionTaken]:
        if len(set(actions)) != len(actions):
            raise ValueError("an action is listed twice")
        if ActionTaken.NONE in actions and len(actions) > 1:
            raise ValueError("'No action' cannot go with other actions")
        return sorted(actions, key=list(ActionTaken).index)

    @field_validator("occurred_at", "ds_confirmed_at")
    @classmethod
    def _not_in_the_future(cls, moment: datetime | None, info: ValidationInfo) -> datetime | None:
        if moment is None:
            return None
        now = _now(info)
        if moment > now + CLOCK_SKEW:
            raise ValueError("is in the future")
        if info.field_name == "occurred_at" and moment < now - OLDEST:
            raise ValueError("is more than a year ago")
        return moment.astimezone(UTC)

    @field_validator("citation_number")
    @classmethod
    def _citation_number(cls, number: str | None, info: ValidationInfo) -> str | None:
        if not number and ActionTaken.CITATION_ISSUED in info.data.get("actions_taken", []):
            raise ValueError("give the citation number (a citation was issued)")
        return number

    @field_validator("ds_confirmed_by")
    @classmethod
    def _confirmed_by(cls, name: str | None, info: ValidationInfo) -> str | None:
        if name and not info.data.get("ds_called"):
            raise ValueError("DS confirmed status, so DS was called: tick 'I called DS'")
        return name

    @field_validator("impairment_signs", "sobriety_tests")
    @classmethod
    def _dui_details(cls, text: str | None, info: ValidationInfo) -> str | None:
        if not text and info.data.get("type") is IncidentType.DUI:
            raise ValueError(DUI_MISSING[str(info.field_name)])
        return text

    @model_validator(mode="after")
    def _confirmed_after_the_incident(self) -> Self:
        if self.ds_confirmed_at and self.ds_confirmed_at < self.occurred_at - timedelta(hours=12):
            raise ValueError("ds_confirmed_at: is long before the incident")
        if self.ds_confirmed_at and not self.ds_called:
            raise ValueError("ds_confirmed_at: DS confirmed status, so DS was called: tick 'I called DS'")
        return self


DUI_MISSING = {
    "impairment_signs": "a DUI report lists the objective signs of impairment",
    "sobriety_tests": "give the field-sobriety results, or that they were declined",
}


def _now(info: ValidationInfo) -> datetime:
    context = info.context or {}
    return context.get("now") or datetime.now(UTC)


FIELD_NAMES = {
    "type": "Type",
    "occurred_at": "When",
    "place": "Place",
    "state": "State",
    "narrative": "What happened",
    "actions_taken": "Actions taken",
    "citation_number": "Citation number",
    "report_number": "Report number",
    "ds_called": "DS called",
    "ds_confirmed_by": "Confirmed by",
    "ds_confirmed_at": "Confirmed at",
    "impairment_signs": "Signs of impairment",
    "sobriety_tests": "Field-sobriety tests",
}
_WORDS = {
    "missing": "is required",
    "string_too_short": "is too short",
    "too_short": "choose at least one",
    "enum": "choose one of the listed values",
    "string_pattern_mismatch": "has characters it cannot have",
    "extra_forbidden": "is not a field of an incident",
    "timezone_aware": "needs a time zone",
}


def problems(error: Any) -> dict[str, str]:
    """Each field's first problem from a pydantic ValidationError, in words for the form and the API's 422.

    Checks across fields (`_consistent`) raise "field: message"; the part before the colon names the field.
    """
    found: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        message = str(item["msg"]).removeprefix("Value error, ")
        if not field and ": " in message:
            field, message = message.split(": ", 1)
        elif item["type"] in _WORDS:
            message = _WORDS[item["type"]]
        elif item["type"] == "string_type" and item.get("input") is None:
            message = "is required"
        elif item["type"].startswith(("datetime", "string_type")):
            message = "give a date and time" if item["type"].startswith("datetime") else "must be text"
        found.setdefault(field or "form", message)
    return found
