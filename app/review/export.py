"""The filtered queue as CSV, streamed row by row, with the export audited before the first row and after the last.

A streamed response has sent its headers before the row count is known, so the export is recorded twice: an
`incident.export` event with outcome `started` and the filter, committed before any row leaves, and one with
outcome `ok` (or `interrupted` when the download stopped early) and the number of rows actually handed to the
server, written when the generator ends or is closed.
"""

import csv
import io
from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import joinedload

from app.audit import service as audit
from app.audit.actor import Actor
from app.extensions import db
from app.incident_codes import STATUS_LABELS, TYPE_LABELS
from app.models import Incident
from app.offices import OFFICE_NAMES
from app.registry.results import iso
from app.review import queue

HEADER = (
    "reference",
    "filed_at",
    "occurred_at",
    "type",
    "status",
    "office",
    "state",
    "place",
    "person_id",
    "person",
    "plate",
    "card_number",
    "mission",
    "country",
    "agency",
    "assignee",
    "verdict_shown",
    "actions_taken",
    "citation_number",
    "report_number",
    "closed_at",
)
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 500


def neutralise(value: object) -> str:
    """The cell as text, with a leading ' when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(filters: queue.Filters, viewer_id: int, *, actor: Actor) -> Iterator[str]:
    """The CSV, a line at a time; audited as the module docstring says."""
    detail: dict[str, object] = {"filter": filters.as_params()}
    audit.record("incident.export", "started", actor=actor, detail=detail)
    db.session.commit()
    written = 0
    finished = False
    query = (
        queue.matching(filters, viewer_id)
        .options(joinedload(Incident.assignee), joinedload(Incident.agency))
        .execution_options(yield_per=BATCH)
    )
    result = None
    try:
        yield _line(HEADER)
        result = db.session.scalars(query)
        for incident in result:
            line = _line(_row(incident))
            written += 1  # counted as it is handed over: a download closed after this yield still had the row
            yield line
        finished = True
    finally:
        if result is not None:
            result.close()  # a download stopped early leaves PostgreSQL's server-side cursor open otherwise
        db.session.rollback()  # ends the read; the event below commits on its own
        audit.record(
            "incident.export", "ok" if finished else "interrupted", actor=actor, detail={**detail, "rows": written}
        )
        db.session.commit()


def _row(incident: Incident) -> list[str]:
    shot: dict[str, Any] = incident.snapshot
    person = (shot.get("persons") or [None])[0]
    vehicle = shot.get("vehicle")
    card = person.get("card") if person else None
    plate = vehicle["plate"] if vehicle else (shot.get("query") if shot.get("source") == "plate" else None)
    values: list[object] = [
        incident.reference,
        iso(incident.filed_at),
        iso(incident.occurred_at),
        TYPE_LABELS[incident.incident_type],
        STATUS_LABELS[incident.status],
        OFFICE_NAMES[incident.office],
        incident.state,
        incident.place,
        incident.person_id,
        person["name"] if person else None,
        plate,
        card["number"] if card else None,
        incident.mission_name,
        incident.mission_country,
        incident.agency.name,
        incident.assignee.email if incident.assignee else None,
        person["verdict"]["headline"] if person else None,
        " ".join(incident.actions_taken),
        incident.citation_number,
        incident.report_number,
        iso(incident.closed_at),
    ]
    return [neutralise(value) for value in values]


def _line(cells: list[str] | tuple[str, ...]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()
