"""The card-signing key ring: public halves and lifecycle only; private halves never touch the database."""

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.key_status import KeyStatus
from app.models.base import Model, UTCDateTime, code_enum, utcnow


class SigningKey(Model):
    """One ES256 key. The private half is in `<instance>/keys/<kid>.pem` or the environment, never here.

    `not_after` is set when the key is retired: the moment its last card token expires (plus a grace
    period); after it the key verifies nothing. A withdrawn key verifies nothing at once.
    """

    __tablename__ = "signing_keys"
    __table_args__ = (
        # Two active keys would make the ring refuse to load, so the database itself allows only one.
        Index(
            "ux_signing_keys_one_active",
            "status",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kid: Mapped[str] = mapped_column(String(8), unique=True)
    public_pem: Mapped[str] = mapped_column(Text)
    status: Mapped[KeyStatus] = mapped_column(code_enum(KeyStatus, "key_status"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    not_after: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<SigningKey {self.kid} {self.status}>"
