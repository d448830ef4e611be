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
        # No Referer from any response by default (security bar). Envoy's own pages opt their forms back in to a
        # same-origin Referer with <meta name="referrer" content="same-origin"> (base.html): Flask-WTF refuses an
        # HTTPS form post without one, and another site still never sees a /v/<token> address.
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(self), geolocation=(self), microphone=()"
        if not request.path.startswith("/static/"):
            # Registry data must never sit in a shared or browser cache.
            response.headers["Cache-Control"] = "no-store"
        return response
