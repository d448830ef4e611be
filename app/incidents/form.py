"""The filing form's fields as they come from the browser, turned into what the incident service validates.

The form sends local date-times (`<input type="datetime-local">`) and the officer's IANA time zone; the
service takes timezone-aware moments, like the JSON API. Everything typed is kept as typed, so a refused or
failed submit shows it again unchanged.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from werkzeug.datastructures import FileStorage, MultiDict

from app.incidents.attachments import MAX_BYTES, MAX_FILES

TEXT_FIELDS = (
    "type",
    "occurred_at",
    "place",
    "state",
    "narrative",
    "citation_number",
    "report_number",
    "ds_confirmed_by",
    "ds_confirmed_at",
    "impairment_signs",
    "sobriety_tests",
    "time_zone",
    "idempotency_key",
    "lookup",
)
LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")
DEFAULT_ZONE = "America/New_York"
# The request may carry the files and a little more; each file is checked for its own limit.
MAX_REQUEST_BYTES = MAX_FILES * MAX_BYTES + 1024 * 1024


@dataclass
class Draft:
    """What the officer typed, as typed: shown again on any refusal or failure."""

    values: dict[str, str] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)
    ds_called: bool = False

    @classmethod
    def from_form(cls, form: MultiDict[str, str]) -> "Draft":
        values = {name: form.get(name, "")[:10000] for name in TEXT_FIELDS}
        return cls(values, form.getlist("actions_taken")[:20], form.get("ds_called") in ("yes", "on", "true", "1"))

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def to_input(self) -> dict[str, Any]:
        """The incident service's input: the same names, moments made timezone-aware in the officer's zone."""
        zone = zone_named(self.get("time_zone"))
        return {
            "type": self.get("type") or None,
            "occurred_at": _aware(self.get("occurred_at"), zone),
            "place": self.get("place"),
            "state": self.get("state").strip().upper(),
            "narrative": self.get("narrative"),
            "actions_taken": self.actions,
            "citation_number": self.get("citation_number"),
            "report_number": self.get("report_number"),
            "ds_called": self.ds_called,
            "ds_confirmed_by": self.get("ds_confirmed_by"),
            "ds_confirmed_at": _aware(self.get("ds_confirmed_at"), zone),
            "impairment_signs": self.get("impairment_signs"),
            "sobriety_tests": self.get("sobriety_tests"),
        }


def zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else ZoneInfo(DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def local_now(zone: ZoneInfo, now: datetime | None = None) -> str:
    """Now in the zone, as a datetime-local input wants it."""
    return (now or datetime.now(UTC)).astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def uploaded(files: Mapping[str, Any]) -> list[tuple[str, bytes]]:
    """The attached files as (name, bytes), leaving out the empty part a browser sends when none is chosen."""
    found: list[tuple[str, bytes]] = []
    for storage in files.getlist("attachments") if hasattr(files, "getlist") else []:
        assert isinstance(storage, FileStorage)
        content = storage.read(MAX_BYTES + 1)
        if storage.filename or content:
            found.append((storage.filename or "attachment", content))
    return found


def _aware(text: str, zone: ZoneInfo) -> datetime | str | None:
    """A local date-time in the zone; what cannot be read goes on as typed, for the validator to name."""
    text = text.strip()
    if not text:
        return None
    for fmt in LOCAL_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=zone)
        except ValueError:
            continue
    return text
