"""The CSV export of the filtered queue: streamed, formula cells neutralised, audited with the filter and row count."""

import csv
import io
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.incident_codes import IncidentType
from app.models import User
from app.review.export import neutralise
from tests.review.support import audit_events, new_incident


@pytest.mark.parametrize(
    "cell, written",
    [("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1 555", "'+1 555"), ("-2+3", "'-2+3"),
     ("@SUM(A1)", "'@SUM(A1)"), ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"), ("Embassy of X", "Embassy of X"),
     ("a=b", "a=b"), (None, "")],
)  # fmt: skip
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_neutralised(cell: str | None, written: str) -> None:
    assert neutralise(cell) == written


def test_the_export_is_a_streamed_download_of_the_filtered_queue(
    app: Flask, client: FlaskClient, reviewer: User
) -> None:
    dui = new_incident(app, incident_type=IncidentType.DUI, mission_name="=cmd|' /C calc'!A0", place="@home")
    parking = new_incident(app, incident_type=IncidentType.PARKING)
    response = client.get("/review/export.csv?office=&type=dui")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["reference"] for row in rows] == [dui]
    assert parking not in response.get_data(as_text=True)
    assert rows[0]["mission"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["place"] == "'@home"
    assert rows[0]["type"] == "DUI"


def test_the_export_is_audited_before_the_first_row_and_with_the_rows_written(
    app: Flask, client: FlaskClient, reviewer: User
) -> None:
    for _ in range(3):
        new_incident(app, incident_type=IncidentType.TRAFFIC)
    client.get("/review/export.csv?office=&type=traffic").get_data()
    started, done = audit_events(app, "incident.export")
    assert (started.outcome, done.outcome) == ("started", "ok")
    assert json.loads(started.detail) == {"filter": {"office": "", "type": "traffic"}}
    assert json.loads(done.detail) == {"filter": {"office": "", "type": "traffic"}, "rows": 3}
    assert done.user_email == reviewer.email


def test_an_export_stopped_early_is_audited_with_the_rows_actually_written(
    app: Flask, client: FlaskClient, reviewer: User
) -> None:
    for _ in range(3):
        new_incident(app)
    response = client.get("/review/export.csv?office=")
    chunks = iter(response.response)
    next(chunks), next(chunks)  # the header and one row, then the download stops
    response.close()
    started, stopped = audit_events(app, "incident.export")
    assert stopped.outcome == "interrupted"
    assert json.loads(stopped.detail)["rows"] == 1
