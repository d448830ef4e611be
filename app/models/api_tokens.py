"""Bearer tokens for the JSON API: who each belongs to, when it expires, and only the SHA-256 of its secret."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, orm
from sqlalchemy.orm import Mapped, mapped_column

from app.models.accounts import User
from app.models.base import Model, UTCDateTime, utcnow


class ApiToken(Model):
    """One token. The secret is shown once when it is made; the table keeps its SHA-256 (`token_hash`) and a
    short `prefix` to tell tokens apart in lists. The token acts with its user's role and stops working when
    it expires, is revoked, or its user is disabled or locked (checked on every call, app.api.tokens)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = orm.relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}>"
