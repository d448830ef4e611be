"""Server-side sessions: the cookie carries a random id, the `user_sessions` table the data (SPEC §6).

Why server-side: logout and disabling a user must end a session at once, which a signed cookie cannot do
(security-bar: "replay the session cookie after logout -> 401"). Timeouts are enforced here, on the
server, from `created_at` (absolute, 12 h) and `last_seen_at` (idle, 30 min); the cookie itself has no
expiry (CJIS IA-5: cookie expiry must not be what enforces the timeout).

Anonymous visitors get no row: until someone signs in, the only session data is the CSRF token and
flash messages, kept in a signed cookie, so a crawler hitting /login cannot fill the table. Signing in
always starts a new server-side session with a fresh id (`rotate`), so no anonymous id survives login.
"""

import hashlib
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, cast

from flask import Flask, Request, Response, current_app, g, request, session
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, or_, select, text, update
from sqlalchemy.orm import Session, joinedload
from werkzeug.datastructures import CallbackDict

from app.audit import service as audit
from app.audit.actor import CONTROL, Actor
from app.extensions import db
from app.models.accounts import User, UserSession
from app.models.audit import AuditEvent
from app.models.base import utcnow

SESSION_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32): 256 bits
# What an anonymous (cookie-only) session may carry; anything else in such a cookie is dropped.
# Flask-WTF's raw CSRF secret (WTF_CSRF_FIELD_NAME); the token in forms is this, signed.
CSRF_KEY = "csrf_token"
ANONYMOUS_KEYS = frozenset({CSRF_KEY, "_flashes"})
# Keys that only a server-side session may hold.
# "_webauthn": a passkey challenge must be single-use, so even the login page's (before any account is known) is
# kept in a server-side row, never in the signed cookie a client could replay.
AUTHENTICATED_KEYS = frozenset({"_user_id", "_pending_user_id", "_webauthn"})
# last_seen_at is written at most this often when nothing else changed: idle timeouts are in minutes.
TOUCH_INTERVAL = timedelta(seconds=60)
STORE_LOCK_TIMEOUT = "5s"
TAG_LENGTH = 16  # hex digits of ServerSession.tag: 64 bits, unique among one user's sign-ins
ROW_TOKEN_LENGTH = 16  # hex digits of row_token(): what the admin's "End" button names a session by
ROW_TOKEN_PATTERN = re.compile(rf"[0-9a-f]{{{ROW_TOKEN_LENGTH}}}")
# Requests here never read or set a session cookie.
API_PREFIX = "/api/"

_serializer = TaggedJSONSerializer()


def hash_session_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


@contextmanager
def _store() -> Iterator[Session]:
    """A short transaction on its own connection: the request's own transaction is never committed here.

    On PostgreSQL it gives up after a few seconds rather than wait forever behind a lock that the
    request's transaction (idle on this thread) indirectly holds up, e.g. a queued ALTER or TRUNCATE.
    """
    with Session(db.engine) as store, store.begin():
        if db.engine.dialect.name == "postgresql":
            store.execute(text(f"SET LOCAL lock_timeout = '{STORE_LOCK_TIMEOUT}'"))
        yield store


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """The session dict, plus what the interface needs to know to store it."""

    def __init__(
        self,
        data: dict[str, Any] | None = None,
        *,
        session_id: str | None = None,
        created_at: datetime | None = None,
        last_seen_at: datetime | None = None,
        had_cookie: bool = False,
        inert: bool = False,
    ) -> None:
        def on_update(self: "ServerSession") -> None:
            self.modified = True
            self.accessed = True

        super().__init__(data, on_update)
        self.session_id = session_id
        self.created_at = created_at  # when this sign-in began: what "this session" means to the lookup history
        self.last_seen_at = last_seen_at
        self.had_cookie = had_cookie
        self.inert = inert  # static files and the JSON API: never read or written
        self.modified = False
        self.accessed = False
        self.rotate = False
        self.ended = False
        # Why a presented session was refused: "idle" or "absolute", with its user, for the audit trail.
        self.timed_out: str | None = None
        self.timed_out_user_id: int | None = None
        self.timed_out_detail: dict[str, object] = {}
        # The session's user as read with it (None when it has none): held here for the request, because
        # db.session's identity map holds objects weakly and the user loader looks there first.
        self.stored_user: User | None = None

    def __getitem__(self, key: str) -> Any:
        self.accessed = True
        return super().__getitem__(key)

    def __setitem__(self, key: str, value: Any) -> None:
        if key == CSRF_KEY and key not in self:
            # Flask-WTF 1.3.0 makes the raw CSRF secret as sha1(urandom(64)).hexdigest(): 160 bits. The security bar
            # asks for 256 (Flask-WTF's unreleased main branch uses secrets.token_hex(32)), so whatever it first
            # offers, the session keeps 256 random bits; Flask-WTF reads the secret back from here to sign it.
            value = secrets.token_hex(32)
        super().__setitem__(key, value)

    def get(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        return super().get(key, default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        return super().setdefault(key, default)

    def __iter__(self) -> Iterator[str]:
        self.accessed = True
        return super().__iter__()

    @property
    def tag(self) -> str | None:
        """A name for this sign-in that its records may carry (the lookup history reads its own audit events by it).

        A one-way hash of the id under its own label: it names the sign-in in the audit trail without being the
        cookie, or the id hash that the sessions table is keyed by. None until the session is stored.
        """
        if self.session_id is None:
            return None
        return hashlib.sha256(f"tag:{self.session_id}".encode("ascii")).hexdigest()[:TAG_LENGTH]

    @property
    def user_id(self) -> int | None:
        """The signed-in user's id, read from the session itself (no user loader involved)."""
        return _user_id(self)

    @property
    def is_server_side(self) -> bool:
        return self.session_id is not None or self.rotate or any(k in self for k in AUTHENTICATED_KEYS)

    def regenerate(self) -> None:
        """Start a new server-side session: new id, new absolute lifetime, nothing carried over but flashes."""
        flashes = self.get("_flashes")
        self.clear()
        if flashes:
            self["_flashes"] = flashes
        g.pop("csrf_token", None)  # Flask-WTF caches the signed token per request
        self.rotate = True
        self.ended = False
        self.modified = True

    def end(self) -> None:
        """Delete the session: its row goes and the browser is told to drop the cookie."""
        self.clear()
        self.ended = True
        self.modified = True


def current_session() -> ServerSession:
    return cast(ServerSession, session._get_current_object())  # type: ignore[attr-defined]


class ServerSessionInterface(SessionInterface):
    def _anonymous_serializer(self, app: Flask) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(
            app.secret_key,  # type: ignore[arg-type]
            salt="envoy-anonymous-session",
            serializer=_serializer,
            signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
        )

    def _limits(self, app: Flask) -> tuple[timedelta, timedelta]:
        return (
            timedelta(minutes=app.config["SESSION_IDLE_MINUTES"]),
            timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"]),
        )

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        if request.path.startswith(((app.static_url_path or "/static") + "/", API_PREFIX)):
            # Static files need no session; the JSON API authenticates by bearer token only (app.api.bearer).
            return ServerSession(inert=True)
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return ServerSession()
        if SESSION_ID_PATTERN.fullmatch(cookie):
            return self._open_server_side(app, cookie)
        try:
            data = self._anonymous_serializer(app).loads(cookie, max_age=self._limits(app)[1].total_seconds())
        except BadSignature:
            return ServerSession(had_cookie=True)
        if not isinstance(data, dict):
            return ServerSession(had_cookie=True)
        return ServerSession({k: v for k, v in data.items() if k in ANONYMOUS_KEYS}, had_cookie=True)

    def _open_server_side(self, app: Flask, session_id: str) -> ServerSession:
        """Read the session in the request's own transaction (db.session): a read needs no commit and no second
        connection of its own, so a request that changes nothing writes nothing. Ending one is a write: `_delete`."""
        idle, absolute = self._limits(app)
        now = utcnow()
        # The session's user and agency come in the same statement, into db.session's identity map, where the
        # Flask-Login user loader (app.auth.setup.load_user) finds them without a query of its own (issue 14).
        row = db.session.execute(
            select(UserSession.user_id, UserSession.data, UserSession.created_at, UserSession.last_seen_at, User)
            .outerjoin(User, User.id == UserSession.user_id)
            .options(joinedload(User.agency))
            .where(UserSession.id_hash == hash_session_id(session_id))
        ).one_or_none()
        if row is None:
            return ServerSession(had_cookie=True)
        reason = None
        if now - row.created_at > absolute:
            reason = "absolute"
        elif now - row.last_seen_at > idle:
            reason = "idle"
        if reason is None:
            try:
                data = _serializer.loads(row.data)
            except ValueError:  # unreadable data: treat as no session rather than fail every request
                self._delete(session_id)
                return ServerSession(had_cookie=True)
            opened = ServerSession(
                data,
                session_id=session_id,
                created_at=row.created_at,
                last_seen_at=row.last_seen_at,
                had_cookie=True,
            )
            opened.stored_user = row.User
            return opened
        self._delete(session_id)
        expired = ServerSession(had_cookie=True)
        expired.timed_out = reason
        expired.timed_out_user_id = row.user_id
        expired.timed_out_detail = timeout_detail(reason, row.created_at, row.last_seen_at)
        return expired

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        session = cast(ServerSession, session)
        if session.inert:
            return
        if session.accessed:
            response.vary.add("Cookie")
        if session.ended:
            if session.session_id is not None:
                self._delete(session.session_id)
                session.session_id = None
            if session and set(session) <= ANONYMOUS_KEYS:  # a flash message or a new CSRF token after the end
                self._set_cookie(app, response, self._anonymous_serializer(app).dumps(dict(session)))
            else:
                self._delete_cookie(app, response)
            return
        if not session and not session.rotate:
            if session.session_id is not None:
                self._delete(session.session_id)
            if session.had_cookie:
                self._delete_cookie(app, response)
            return
        if not session.is_server_side:
            if session.modified:
                value = self._anonymous_serializer(app).dumps(dict(session))
                self._set_cookie(app, response, value)
            return
        self._save_server_side(app, session, response)

    def _save_server_side(self, app: Flask, session: ServerSession, response: Response) -> None:
        now = utcnow()
        user_id = _user_id(session)
        if session.rotate or session.session_id is None:
            new_id = secrets.token_urlsafe(32)
            idle, absolute = self._limits(app)
            with _store() as store:
                if session.session_id is not None:
                    store.execute(delete(UserSession).where(UserSession.id_hash == hash_session_id(session.session_id)))
                # Sweep sessions nobody will present again, so the table holds only live ones; each signed-in one
                # swept is audited here, as a timeout, since its cookie will not come back to be (security bar E3).
                swept = store.execute(
                    delete(UserSession)
                    .where(or_(UserSession.last_seen_at < now - idle, UserSession.created_at < now - absolute))
                    .returning(
                        UserSession.user_id,
                        UserSession.created_at,
                        UserSession.last_seen_at,
                        UserSession.client_addr,
                        UserSession.user_agent,
                    )
                ).all()
                for row in swept:
                    if row.user_id is not None:
                        store.add(_swept_event(store, row, now - absolute))
                store.add(
                    UserSession(
                        id_hash=hash_session_id(new_id),
                        user_id=user_id,
                        data=_serializer.dumps(dict(session)),
                        created_at=now,
                        last_seen_at=now,
                        **_origin(request),
                    )
                )
            session.session_id = new_id
            session.created_at = session.last_seen_at = now
            session.rotate = False
            self._set_cookie(app, response, new_id)
            return
        values: dict[str, Any] = {}
        if session.modified:
            values = {"data": _serializer.dumps(dict(session)), "user_id": user_id, "last_seen_at": now}
        elif session.last_seen_at is None or now - session.last_seen_at >= TOUCH_INTERVAL:
            values = {"last_seen_at": now}
        if values:
            with _store() as store:
                store.execute(
                    update(UserSession).where(UserSession.id_hash == hash_session_id(session.session_id)).values(values)
                )

    def _delete(self, session_id: str) -> None:
        with _store() as store:
            store.execute(delete(UserSession).where(UserSession.id_hash == hash_session_id(session_id)))

    def _set_cookie(self, app: Flask, response: Response, value: str) -> None:
        response.set_cookie(self.get_cookie_name(app), value, **self._cookie_attributes(app))
        response.vary.add("Cookie")

    def _delete_cookie(self, app: Flask, response: Response) -> None:
        # The same attributes as when set: browsers match domain and path, and want Secure for a __Host- name.
        response.delete_cookie(self.get_cookie_name(app), **self._cookie_attributes(app))
        response.vary.add("Cookie")

    def _cookie_attributes(self, app: Flask) -> dict[str, Any]:
        return {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "httponly": self.get_cookie_httponly(app),
            "samesite": self.get_cookie_samesite(app),
            "partitioned": self.get_cookie_partitioned(app),
        }


def timeout_detail(reason: str, created_at: datetime, last_seen_at: datetime) -> dict[str, object]:
    """What a timed-out session's audit event says: why, and how long it was in use (CJIS AU-3(1): duration)."""
    return {"reason": reason, "duration_minutes": int((last_seen_at - created_at).total_seconds() // 60)}


def _swept_event(store: Session, row: Any, absolute_before: datetime) -> AuditEvent:
    """The `auth.logout` timeout event of a session the sweep removed, as its user from where it was made."""
    user = store.get(User, row.user_id)
    who = Actor.of(user) if user is not None else Actor(user_id=row.user_id, role=None)
    actor = replace(who, client_addr=row.client_addr, user_agent=row.user_agent)
    reason = "absolute" if row.created_at < absolute_before else "idle"
    detail = {**timeout_detail(reason, row.created_at, row.last_seen_at), "swept": True}
    return audit.build_event("auth.logout", "timeout", detail=detail, actor=actor)


def _origin(request: Request) -> dict[str, str | None]:
    """Where a new session comes from, for the admin's list of a user's sessions. remote_addr is the client as
    seen through TRUSTED_PROXIES hops only (ProxyFix), never a forged header."""
    agent = CONTROL.sub("", request.user_agent.string or "")[:200] or None
    return {"client_addr": (request.remote_addr or "")[:45] or None, "user_agent": agent}


def _user_id(session: ServerSession) -> int | None:
    raw = dict.get(session, "_user_id")
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


def delete_user_sessions(user_id: int, *, keep: str | None = None) -> int:
    """End every session of this user but `keep` (a session id), in the caller's transaction (db.session):
    disable, idle disable, MFA reset, password change. Returns how many ended."""
    statement = delete(UserSession).where(UserSession.user_id == user_id)
    if keep is not None:
        statement = statement.where(UserSession.id_hash != hash_session_id(keep))
    result = db.session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


def count_user_sessions(user_id: int) -> int:
    return len(db.session.scalars(select(UserSession.id_hash).where(UserSession.user_id == user_id)).all())


@dataclass(frozen=True)
class SessionSummary:
    """One live session as the admin's user page shows it: never its id, nor the hash the table is keyed by."""

    token: str
    created_at: datetime
    last_seen_at: datetime
    client_addr: str | None
    user_agent: str | None  # as the browser sent it, up to 200 characters
    browser: str | None  # short_user_agent(): what the table shows
    is_current: bool  # the session making this request: the admin's own


# Order matters: Edge and Opera also say Chrome, Chrome also says Safari, Android also says Linux.
_BROWSERS = (
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"OPR/(\d+)")),
    ("Firefox", re.compile(r"(?:Firefox|FxiOS)/(\d+)")),
    ("Chrome", re.compile(r"(?:Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"Version/(\d+).*Safari/")),
)
_SYSTEMS = (
    ("Android", re.compile(r"Android")),
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Mac OS X|Macintosh")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("Linux", re.compile(r"Linux")),
)
SHORT_AGENT_MAX = 40


def short_user_agent(agent: str | None) -> str | None:
    """A user agent as "Firefox 133 on Linux": enough for an admin to tell a user's phone from their desk computer.
    Anything not recognised is shown as sent, cut short."""
    if not agent:
        return None
    browser = next((f"{name} {m.group(1)}" for name, pattern in _BROWSERS if (m := pattern.search(agent))), None)
    system = next((name for name, pattern in _SYSTEMS if pattern.search(agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or system
    return agent if len(agent) <= SHORT_AGENT_MAX else agent[: SHORT_AGENT_MAX - 1] + "…"


def row_token(id_hash: str) -> str:
    """A name for a session row that the admin's "End" button can post: a hash of the id hash under its own label,
    so the page holds neither the cookie nor the key of the table, and no prefix of either."""
    return hashlib.sha256(f"row:{id_hash}".encode("ascii")).hexdigest()[:ROW_TOKEN_LENGTH]


def list_user_sessions(user_id: int) -> list[SessionSummary]:
    """The user's sessions that are still live (within the idle and absolute limits), most recently used first."""
    now = utcnow()
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    own = current_session().session_id
    own_hash = hash_session_id(own) if own else None
    rows = db.session.scalars(
        select(UserSession)
        .where(
            UserSession.user_id == user_id,
            UserSession.last_seen_at >= now - idle,
            UserSession.created_at >= now - absolute,
        )
        .order_by(UserSession.last_seen_at.desc())
    ).all()
    return [
        SessionSummary(
            token=row_token(row.id_hash),
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            client_addr=row.client_addr,
            user_agent=row.user_agent,
            browser=short_user_agent(row.user_agent),
            is_current=row.id_hash == own_hash,
        )
        for row in rows
    ]


def delete_user_session(user_id: int, token: str) -> bool:
    """End the one session of this user that `token` names, in the caller's transaction; False if there is none.

    A user holds a handful of sessions, so the token is matched by hashing each of theirs rather than stored."""
    if not ROW_TOKEN_PATTERN.fullmatch(token):
        return False
    hashes = db.session.scalars(select(UserSession.id_hash).where(UserSession.user_id == user_id)).all()
    match = next((id_hash for id_hash in hashes if row_token(id_hash) == token), None)
    if match is None:
        return False
    db.session.execute(delete(UserSession).where(UserSession.id_hash == match))
    return True
