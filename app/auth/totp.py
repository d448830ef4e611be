"""TOTP second factor (RFC 6238): secrets, code checks by time step, and the enrolment QR code."""

import hmac
import re
from datetime import datetime

import pyotp
import qrcode
import qrcode.constants
from markupsafe import Markup

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
    at or before the last one used, so each code works once (ASVS 6.5.1).
    """
    code = code.strip().replace(" ", "")
    if not CODE_PATTERN.fullmatch(code):
        return None
    now = time_step(moment)
    for step in (now, now - 1):
        if hmac.compare_digest(code_at_step(secret, step), code):
            return step
    return None


def qr_svg(data: str, *, size: int = 240) -> Markup:
    """An inline SVG QR code drawn with attributes only: the CSP forbids style attributes.

    The markup holds nothing but numbers computed here, never the data itself, so it is safe to mark up.
    """
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    width = len(matrix)
    runs: list[str] = []
    for y, row in enumerate(matrix):
        x = 0
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return Markup(  # noqa: S704  (numbers computed here only, never the data: see the docstring)
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {width}" width="{size}" height="{size}"'
        ' shape-rendering="crispEdges" role="img" aria-label="QR code to add Envoy to your authenticator app">'
        f'<rect width="{width}" height="{width}" fill="#ffffff"/>'
        f'<path fill="#000000" d="{"".join(runs)}"/></svg>'
    )
