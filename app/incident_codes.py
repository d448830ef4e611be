"""PURE: an incident's code lists (type, actions taken, status) and how a status may move (SPEC §5).

The form, the JSON API, the review desk and the database all take their values from here.
"""

from enum import StrEnum


class IncidentType(StrEnum):
    TRAFFIC = "traffic"
    DUI = "dui"
    ACCIDENT = "accident"
    CRIMINAL = "criminal"
    PARKING = "parking"
    SUSPECTED_FRAUD = "suspected_fraud"  # a false plate, card or claim of immunity
    OTHER = "other"


TYPE_LABELS = {
    IncidentType.TRAFFIC: "Traffic",
    IncidentType.DUI: "DUI",
    IncidentType.ACCIDENT: "Accident",
    IncidentType.CRIMINAL: "Criminal",
    IncidentType.PARKING: "Parking",
    IncidentType.SUSPECTED_FRAUD: "Suspected fraud",
    IncidentType.OTHER: "Other",
}
# A few words under the label where the label alone could be misread.
TYPE_HINTS = {
    IncidentType.TRAFFIC: "moving violation",
    IncidentType.DUI: "impaired driving",
    IncidentType.SUSPECTED_FRAUD: "false plate, card or claim",
}


class ActionTaken(StrEnum):
    """What the officer did (facts §4.4: released, driven home, towed; §4.3: towing only to clear danger)."""

    RELEASED = "released"
    DRIVEN_HOME = "driven_home"
    TOWED_TO_CLEAR_DANGER = "towed_to_clear_danger"
    CITATION_ISSUED = "citation_issued"
    ARRESTED = "arrested"
    DETAINED = "detained"
    PROPERTY_SEIZED = "property_seized"
    NONE = "none"


ACTION_LABELS = {
    ActionTaken.RELEASED: "Released",
    ActionTaken.DRIVEN_HOME: "Driven home",
    ActionTaken.TOWED_TO_CLEAR_DANGER: "Towed to clear danger",
    ActionTaken.CITATION_ISSUED: "Citation issued",
    ActionTaken.ARRESTED: "Arrested",
    ActionTaken.DETAINED: "Detained",
    ActionTaken.PROPERTY_SEIZED: "Property seized",
    ActionTaken.NONE: "No action",
}


class Status(StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    REFERRED_TO_MISSION = "referred_to_mission"
    WAIVER_REQUESTED = "waiver_requested"
    CLOSED = "closed"


STATUS_LABELS = {
    Status.SUBMITTED: "Submitted",
    Status.IN_REVIEW: "In review",
    Status.REFERRED_TO_MISSION: "Referred to mission",
    Status.WAIVER_REQUESTED: "Waiver requested",
    Status.CLOSED: "Closed",
}

# submitted → in_review → referred_to_mission | waiver_requested → closed (SPEC §5). A reviewer may also close
# straight from review (nothing to pursue), and move a referral to a waiver request when the mission answers.
# Leaving `closed` is a reopening, which needs a reason (`REOPEN`).
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.SUBMITTED: frozenset({Status.IN_REVIEW}),
    Status.IN_REVIEW: frozenset({Status.REFERRED_TO_MISSION, Status.WAIVER_REQUESTED, Status.CLOSED}),
    Status.REFERRED_TO_MISSION: frozenset({Status.WAIVER_REQUESTED, Status.CLOSED}),
    Status.WAIVER_REQUESTED: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset({Status.IN_REVIEW}),
}
REOPEN = (Status.CLOSED, Status.IN_REVIEW)


def may_move(current: Status, to: Status) -> bool:
    return to in TRANSITIONS[current]


class EventKind(StrEnum):
    """One entry in an incident's history; every change to an incident is one of these, appended."""

    FILED = "filed"
    ASSIGNED = "assigned"
    NOTE = "note"
    STATUS = "status"
    POINTS = "points"
