"""Accounts: agencies, their users and the users' server-side sessions (SPEC §6)."""

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, LargeBinary, String, Text, orm
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Model, UTCDateTime, code_enum, utcnow
from app.offices import Office
from app.totp_keys import SealedSecret


class Role(StrEnum):
    """What a user may do (SPEC §6); stored in users.role. Which roles need a second factor: app/auth/roles.py."""

    OFFICER = "officer"
    DISPATCHER = "dispatcher"
    REVIEWER = "reviewer"
    ADMIN = "admin"


class Agency(Model):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Where the agency works: an incident's state and the form's clock default to these (SPEC §5).
    state: Mapped[str | None] = mapped_column(String(2))
    time_zone: Mapped[str | None] = mapped_column(String(64))  # IANA name, e.g. America/New_York
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list["User"]] = orm.relationship(back_populates="agency")


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Always stored lower-cased (accounts.normalise_email), so the unique index is case-insensitive in effect.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(code_enum(Role, "user_role"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    is_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why: "admin" (an administrator's decision) or "idle" (unused for 90 days, CJIS AC-2(3)); None when enabled.
    disabled_reason: Mapped[str | None] = mapped_column(String(20))
    # When the account was last disabled or enabled again; re-enabling restarts the idle clock.
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Times (ISO 8601, UTC) of the latest failed sign-ins from browsers that are not a known device of this user
    # (app/auth/devices.py), newest last, since the last success from such a browser or an admin's release: 5 in a
    # row lock the account for new devices (CJIS AC-7, IA-5(1)(a)(14)). A known device counts its own failures.
    recent_failures: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Set when the whole account locks (5 failures on one of its known devices); only an administrator clears it
    # (CJIS AC-7: no automatic unlock).
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when 5 failures from unknown browsers lock the account for them (the "node" of CJIS AC-7): its known
    # devices still sign in. Only an administrator clears it, with locked_at.
    unknown_devices_locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Base32 TOTP secret in Python, sealed in the database (app/totp_keys.py); None until the user has enrolled
    # an authenticator app. A stored value no key opens loads as totp_keys.UnreadableSecret: every code fails.
    # Deferred: opened (AES-GCM) only where a code is checked or set, not on every signed-in request's user load.
    totp_secret: Mapped[str | None] = mapped_column(SealedSecret(), deferred=True)
    # The last TOTP time step accepted, so no code can be used twice (ASVS 6.5.1).
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # CJIS IA-5 f: a new password at least once a year (passwords.MAX_AGE); an administrator's choice of
    # password for someone else is temporary (must_change_password) and replaced at first sign-in.
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # A reviewer's OFM office (app.incidents.offices.Office): their queue opens on it; headquarters sees all.
    office: Mapped[Office | None] = mapped_column(code_enum(Office, "ofm_office"))

    agency: Mapped[Agency] = orm.relationship(back_populates="users")
    passkeys: Mapped[list["Passkey"]] = orm.relationship(
        back_populates="user", order_by="Passkey.id", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses to sign in an inactive user
        return not self.is_disabled

    @property
    def last_active_at(self) -> datetime:
        """Where the idle clock starts: the latest of creation, sign-in and re-enabling."""
        return max(t for t in (self.created_at, self.last_login_at, self.status_changed_at) if t is not None)

    @property
    def is_locked(self) -> bool:
        """The whole account is locked: no device signs in, no API token works."""
        return self.locked_at is not None

    @property
    def is_locked_for_unknown_devices(self) -> bool:
        return self.unknown_devices_locked_at is not None

    @property
    def has_totp(self) -> bool:
        return self.totp_secret is not None

    @property
    def has_passkey(self) -> bool:
        return bool(self.passkeys)

    @property
    def has_second_factor(self) -> bool:
        return self.has_totp or self.has_passkey

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class Passkey(Model):
    """A WebAuthn credential (passkey) a user registered as their second factor (app/auth/passkeys.py).

    Nothing here is secret: the public key only verifies signatures the authenticator makes with its private key,
    which never leaves the device, so the row is stored as is (unlike the TOTP secret, which is sealed).
    """

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The authenticator's id for the credential (WebAuthn allows up to 1023 bytes); unique across all users, so
    # a passkey sign-in without an email address finds its user by it.
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023), unique=True)
    # COSE-encoded public key, as the registration gave it.
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    # The authenticator's signature counter (32-bit unsigned): a count that does not grow means a cloned key.
    # Passkeys synced between devices always report 0, which the check allows.
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    # How the browser can reach the authenticator ("internal", "hybrid", "usb"...), a hint for the next sign-in.
    transports: Mapped[list[str]] = mapped_column(JSON, default=list)
    name: Mapped[str] = mapped_column(String(60))  # the user's own label ("Work phone")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = orm.relationship(back_populates="passkeys")


class UserSession(Model):
    """A server-side session; the cookie holds a random id, the table only its SHA-256."""

    __tablename__ = "user_sessions"

    # sha256 of the cookie's session id: reading this table gives no usable cookie.
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Deliberately not a foreign key: the check would lock the users row from the session store's own
    # connection while the request's transaction holds users, which can deadlock behind a queued
    # ALTER or TRUNCATE on PostgreSQL. Users are never deleted, only disabled.
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    data: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Where the sign-in came from, kept so an admin can tell one device from another before ending a session;
    # written once when the session starts, never on later requests.
    client_addr: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))
