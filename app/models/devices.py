"""Known devices: browsers a user has signed in on, each holding a device cookie that names its row (OWASP)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Model, UTCDateTime, utcnow


class KnownDevice(Model):
    """One browser's claim to be a device the user signed in on before (app/auth/devices.py).

    The cookie carries a random nonce; this row keeps only its SHA-256, so reading the table gives no usable cookie.
    Deleting the row revokes the cookie. Failed attempts made from this browser count here, not against the
    account's unknown-devices bucket (users.recent_failures).
    """

    __tablename__ = "known_devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Renewed at every sign-in from this browser; a device unused for devices.DEVICE_LIFETIME is unknown again.
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where the first sign-in came from, so an admin can tell devices apart.
    client_addr: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    # Times (ISO 8601, UTC) of this device's latest failed attempts, newest last (CJIS AC-7 sliding window).
    recent_failures: Mapped[list[str]] = mapped_column(JSON, default=list)
