"""How fresh the registry is: when it was last loaded, shown with every result and on the start page."""

from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import RegistryLoad


def data_as_of() -> datetime | None:
    """When the registry was last loaded (None before the first load)."""
    return db.session.scalar(select(func.max(RegistryLoad.loaded_at)))
