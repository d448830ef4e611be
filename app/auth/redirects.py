"""Where to send a user after sign-in: only a path on this site, never another host (open-redirect guard)."""

import re
from urllib.parse import urlsplit

# A path that starts with one slash and holds only printable ASCII without backslashes: browsers read
# "\" as "/", and "//host" or "/\host" as another host (Django's test_security_check payloads).
SAFE_PATH = re.compile(r"/(?![/\\])[\x21-\x5b\x5d-\x7e]*")
MAX_LENGTH = 2000


def safe_next(target: str | None) -> str | None:
    """The target if it is a relative path on this host, else None."""
    if not target or len(target) > MAX_LENGTH or not SAFE_PATH.fullmatch(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
