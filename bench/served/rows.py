"""The table's rows: what wrk sends for each, and what a correct answer contains."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One line of the table: what wrk sends and what a correct answer contains (checked once before the run)."""

    name: str
    label: str
    method: str
    path: str
    keys: str | None = None  # which key file fills {key}
    body: str | None = None
    htmx: bool = False
    signed_in: bool = False
    bearer: bool = False
    session_header: bool = False  # the session id as "Authorization: Session <id>" (the floor reads it itself)
    expect_status: int = 200
    expect_text: str = ""
    audited: bool = False


LOOKUP_BODY = "csrf_token={csrf}&q={{key}}&kind={kind}"

INCIDENT_BODY = (
    "csrf_token={csrf}&idempotency_key={{unique}}&type=traffic&occurred_at={occurred}&time_zone=America%2FNew_York"
    "&place=1+Bench+Avenue&state=NY&narrative=Stopped+for+the+served+benchmark.&actions_taken=released"
    "&citation_number=C-10001"
)

ROWS = (
    Row("bare", "bare route (/bench/bare, the limit)", "GET", "/bench/bare", expect_text="ok"),
    Row("healthz", "/healthz (SELECT 1)", "GET", "/healthz"),
    Row(
        "lookup",
        "plate lookup, htmx (POST /lookup)",
        "POST",
        "/lookup",
        keys="plates",
        body=LOOKUP_BODY,
        htmx=True,
        signed_in=True,
        expect_text='data-result="hit"',
        audited=True,
    ),
    Row(
        "floor",
        "floor: least a lookup must do (/bench/floor)",
        "GET",
        "/bench/floor/{key}",
        keys="plates",
        session_header=True,
        expect_text='data-result="hit"',
    ),
    Row(
        "api",
        "plate lookup, API (GET /api/v1/plates/…)",
        "GET",
        "/api/v1/plates/{key}",
        keys="plates",
        bearer=True,
        expect_text='"vehicle"',
        audited=True,
    ),
    Row(
        "card",
        "card lookup, htmx (POST /lookup)",
        "POST",
        "/lookup",
        keys="cards",
        body=LOOKUP_BODY,
        htmx=True,
        signed_in=True,
        expect_text='data-result="hit"',
        audited=True,
    ),
    Row(
        "miss",
        "plate miss with near matches (POST /lookup)",
        "POST",
        "/lookup",
        keys="misses",
        body=LOOKUP_BODY,
        htmx=True,
        signed_in=True,
        expect_text="data-suggestions",  # with data-result="miss"
        audited=True,
    ),
    Row(
        "qr",
        "QR verification (GET /v/<token>)",
        "GET",
        "/v/{key}",
        keys="tokens",
        signed_in=True,
        expect_text='data-card-check="valid"',
        audited=True,
    ),
    Row(
        "incident",
        "incident filing, htmx (POST /incidents)",
        "POST",
        "/incidents",
        body=INCIDENT_BODY,
        htmx=True,
        signed_in=True,
        expect_status=201,
        expect_text="data-incident-reference=",
        audited=True,
    ),
)

ROW_NAMES = tuple(row.name for row in ROWS)
