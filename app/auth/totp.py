"""TOTP second factor (RFC 6238): secrets, code checks by time step, and the enrolment QR code."""

import hmac
import re
from datetime import datetime

import pyotp
import qrcode
import qrcode.constants
from markupsafe import Markup

from app import qr_drawing
from app.totp_keys import UnreadableSecret

ISSUER = "Envoy"
STEP_SECONDS = 30
CODE_PATTERN = re.compile(r"[0-9]{6}")


def new_secret() -> str:
    """160 random bits, base32 (RFC 4226's recommended secret length)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def time_step(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def code_at_step(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).generate_otp(step)


def current_code(secret: str, moment: datetime) -> str:
    return code_at_step(secret, time_step(moment))


def matching_step(secret: str, code: str, moment: datetime) -> int | None:
    """The time step whose code this is: the current one, or the one before for a code typed as it rolled over.

    RFC 6238 §5.2 recommends at most one step back; no step ahead is accepted. The caller refuses a step
    at or before the last one used, so each code works once (ASVS 6.5.1). A secret no key opens matches nothing.
    """
    code = code.strip().replace(" ", "")
    if isinstance(secret, UnreadableSecret) or not CODE_PATTERN.fullmatch(code):
        return None
    now = time_step(moment)
    for step in (now, now - 1):
        if hmac.compare_digest(code_at_step(secret, step), code):
            return step
    return None


def qr_svg(data: str, *, size: int = 240) -> Markup:
    """An inline SVG QR code of `data` (the provisioning URI), `size` pixels across."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    return qr_drawing.svg(qr.get_matrix(), size=str(size), label="QR code to add Envoy to your authenticator app")
