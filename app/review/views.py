"""The OFM review desk (issue 10): the overview of incidents, for reviewers and admins."""

from flask import Blueprint, abort, request
from flask_login import current_user
from werkzeug.wrappers import Response

from app.incident_codes import TYPE_LABELS
from app.models.base import utcnow
from app.offices import OFFICE_NAMES, Office
from app.permissions import roles_required
from app.rendering import render
from app.review import charts
from app.review import overview as overview_service

bp = Blueprint("review", __name__)

ALL_OFFICES = "all"


def _overview_office(chosen: str | None) -> Office | None:
    """The office the overview counts: the URL's `office` (`all` for every office), else the reviewer's home
    office; headquarters and admins see all (issue 10, item 5)."""
    if chosen == ALL_OFFICES:
        return None
    if chosen:
        try:
            office = Office(chosen)
        except ValueError:
            abort(400)
        return None if office is Office.HEADQUARTERS else office
    home = current_user.office
    return None if current_user.role == "admin" or home in (None, Office.HEADQUARTERS) else home


@bp.get("/review/overview")
@roles_required("reviewer", "admin")
def overview() -> Response:
    office = _overview_office(request.args.get("office"))
    data = overview_service.overview(office, utcnow().date())
    return render(
        "review/overview.html",
        "review/_overview.html",
        overview=data,
        office_names=OFFICE_NAMES,
        type_labels=TYPE_LABELS,
        level_labels=overview_service.LEVEL_LABELS,
        charts=charts.overview_charts(data),
    )
