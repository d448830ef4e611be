"""The OFM review desk: the queue (/review), one incident's page and its actions, bulk assignment, CSV export, and
the overview (/review/overview)."""

from collections.abc import Callable
from datetime import UTC, date, datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.audit.actor import current_actor
from app.downloads import attachment_response
from app.incident_codes import ACTION_LABELS, STATUS_LABELS, TRANSITIONS, TYPE_LABELS
from app.incidents import service as incidents
from app.models import User
from app.models.base import utcnow
from app.offices import OFFICE_NAMES, STATES, Office
from app.permissions import roles_required
from app.rendering import render
from app.review import charts, export, queue, reading, services
from app.review import overview as overview_service

bp = Blueprint("review", __name__, url_prefix="/review")

QUEUE_PAGE = "review/queue.html"
QUEUE_FRAGMENT = "review/_queue.html"
INCIDENT_PAGE = "review/incident.html"
DESK = ("reviewer", "admin")


@bp.context_processor
def _labels() -> dict[str, object]:
    """The code lists' words, for the review templates only."""
    return {
        "STATUS_LABELS": STATUS_LABELS,
        "TYPE_LABELS": TYPE_LABELS,
        "ACTION_LABELS": ACTION_LABELS,
        "OFFICE_NAMES": OFFICE_NAMES,
        "TRANSITIONS": TRANSITIONS,
        "STATES": STATES,
    }


@bp.get("", endpoint="queue")
@roles_required(*DESK)
def queue_page() -> Response:
    viewer = _viewer()
    try:
        filters = queue.parse(request.args, viewer)
    except queue.FilterError as error:
        return render(
            QUEUE_PAGE,
            QUEUE_FRAGMENT,
            status=422,
            result=None,
            filters=queue.Filters(),
            problems=error.problems,
            reviewers=queue.reviewers(),
        )
    return render(
        QUEUE_PAGE,
        QUEUE_FRAGMENT,
        result=queue.page(filters, viewer.id),
        filters=filters,
        problems={},
        reviewers=queue.reviewers(),
    )


@bp.get("/export.csv")
@roles_required(*DESK)
def export_csv() -> ResponseReturnValue:
    viewer = _viewer()
    filters = queue.parse(request.args, viewer)  # a bad filter is a 422 from the error mapper below
    lines = export.csv_lines(filters, viewer.id, actor=current_actor())
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="envoy-incidents-{stamp}.csv"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@bp.post("/assign")
@roles_required(*DESK)
def bulk_assign() -> ResponseReturnValue:
    viewer = _viewer()
    filters = queue.parse(request.form, viewer)
    references = request.form.getlist("reference")
    assignee_id = _int(request.form.get("assignee_id"))
    back = url_for("review.queue", **filters.as_params(page=True))
    if request.form.get("confirmed") != "yes":
        result = queue.page(filters, viewer.id)
        return render_template(
            "review/confirm_bulk.html",
            filters=filters,
            result=result,
            references=references,
            assignee=_reviewer_named(assignee_id),
            assignee_id=assignee_id,
            back=back,
        )
    try:
        count = services.bulk_assign(filters, viewer.id, references, assignee_id, actor=current_actor())
    except services.ReviewError as error:
        flash(error.message, "error")
        return redirect(back, 303)
    flash(f"Assigned {count} incident{'' if count == 1 else 's'}.", "success")
    return redirect(back, 303)


@bp.get("/<reference>")
@roles_required(*DESK)
def incident(reference: str) -> ResponseReturnValue:
    return _incident_page(reference)


@bp.post("/<reference>/assign")
@roles_required(*DESK)
def assign(reference: str) -> ResponseReturnValue:
    assignee_id = _int(request.form.get("assignee_id"))
    return _action(
        reference, "Assigned.", lambda version: services.assign(reference, version, assignee_id, actor=current_actor())
    )


@bp.post("/<reference>/note")
@roles_required(*DESK)
def note(reference: str) -> ResponseReturnValue:
    text = request.form.get("note", "")
    return _action(
        reference, "Note added.", lambda version: services.add_note(reference, version, text, actor=current_actor())
    )


@bp.post("/<reference>/status")
@roles_required(*DESK)
def status(reference: str) -> ResponseReturnValue:
    to, reason = request.form.get("to", ""), request.form.get("reason", "")
    return _action(
        reference,
        "Status changed.",
        lambda version: services.move(reference, version, to, reason, actor=current_actor()),
    )


@bp.post("/<reference>/points")
@roles_required(*DESK)
def points(reference: str) -> ResponseReturnValue:
    count = _int(request.form.get("points"))
    violation_on = _date(request.form.get("violation_on"))
    today = datetime.now(UTC).date()

    def confirm(version: int) -> object:
        if count is None or violation_on is None:
            raise services.ReviewError("Give the violation date and the points (1 to 12).")
        return services.confirm_points(reference, version, count, violation_on, today, actor=current_actor())

    return _action(reference, "Points confirmed on the driving record.", confirm)


@bp.get("/<reference>/attachments/<int:position>")
@roles_required(*DESK)
def attachment(reference: str, position: int) -> ResponseReturnValue:
    incident = incidents.incident_for(reference, _viewer())
    download = incidents.attachment(incident, position, actor=current_actor())
    return attachment_response(download.content, download.media_type, download.filename)


def _action(reference: str, done: str, act: Callable[[int], object]) -> ResponseReturnValue:
    """Run an action on the version the page was rendered at; refused ones re-render the page with why."""
    version = _int(request.form.get("version"))
    try:
        if version is None:
            raise services.ReviewError("This form is missing the version it was shown at. Reload the page.")
        act(version)
    except services.StaleVersion as error:
        return _incident_page(reference, problem=error.message, status=409)
    except services.ReviewError as error:
        return _incident_page(reference, problem=error.message, status=422)
    flash(done, "success")
    return redirect(url_for("review.incident", reference=reference), 303)


def _incident_page(reference: str, problem: str | None = None, status: int = 200) -> ResponseReturnValue:
    page = reading.incident_page(reference, datetime.now(UTC).date(), actor=current_actor())
    form = request.form if problem else {}
    return render_template(INCIDENT_PAGE, page=page, problem=problem, form=form), status


def _viewer() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _reviewer_named(user_id: int | None) -> User | None:
    return next((user for user in queue.reviewers() if user.id == user_id), None)


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


# The overview: counts and charts over the incidents (issue 10, item 7).
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


@bp.get("/overview")
@roles_required(*DESK)
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
