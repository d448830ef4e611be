"""The admin's audit page: filter and page through the trail, newest first; every read is itself audited."""

from flask import Blueprint, make_response, render_template, request
from werkzeug.wrappers import Response

from app.audit import alerts, seals, search
from app.audit.chain import iso_ms
from app.permissions import roles_required
from app.rendering import render

bp = Blueprint("audit", __name__)

PAGE = "audit/index.html"
TABLE = "audit/_table.html"


@bp.app_template_filter("audit_time")
def _audit_time(value: object) -> str:
    return iso_ms(value)  # type: ignore[arg-type]


@bp.get("/admin/audit")
@roles_required("admin")
def index() -> Response:
    try:
        filters = search.parse_filters(request.args)
        before = search.parse_cursor(request.args.get("before"))
        after = search.parse_cursor(request.args.get("after"))
    except search.FilterError as error:
        search.record_refused(error.problems)
        return render(
            PAGE, TABLE, status=422, result=None, filters=request.args, problems=error.problems, sealing=seals.status()
        )
    result = search.search(filters, before=before, after=after)
    return render(PAGE, TABLE, result=result, filters=request.args, problems={}, sealing=seals.status())


@bp.get("/admin/alerts")
@roles_required("admin")
def alert_list() -> Response:
    """Counts by kind for the last day and week, and the newest alerts; the read is audited like the trail's."""
    return make_response(render_template("audit/alerts.html", overview=alerts.overview()))
