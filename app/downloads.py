"""A stored file sent as a download: never shown inline, never sniffed, never cached (incident attachments)."""

import io

from flask import Response, send_file


def attachment_response(content: bytes, media_type: str, filename: str) -> Response:
    response = send_file(io.BytesIO(content), mimetype=media_type, as_attachment=True, download_name=filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
