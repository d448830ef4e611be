"""Security headers on every response (security-bar: headers and cookies)."""

from flask import Flask, Response, request

CSP = "; ".join(
    [
        "default-src 'self'",
        # The QR scanner compiles a vendored WebAssembly module; nothing else is allowed beyond self.
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def register(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        response.headers["X-Content-Type-Options"] = "nosniff"
        # Never to another site (a /v/<token> address stays here), but to Envoy itself: Flask-WTF refuses an HTTPS
        # form post without a same-origin Referer, and "no-referrer" would drop it (and make Origin "null").
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(self), geolocation=(self), microphone=()"
        if not request.path.startswith("/static/"):
            # Registry data must never sit in a shared or browser cache.
            response.headers["Cache-Control"] = "no-store"
        return response
