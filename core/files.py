"""Handing out private files. Each app's download view decides whether the
requester may have a file (through its own selectors); this module only
streams it safely and writes the access log, allowed or denied."""

from django.http import FileResponse, Http404

from core.audit import audit_record
from core.models import AuditLog


def serve_private_file(request, *, field_file, download_name, content_type, target, subject=None):
    """Stream a stored private file as an attachment and log the access.

    Headers: `Content-Disposition: attachment` with the display name (never the
    stored one), `X-Content-Type-Options: nosniff` so a browser cannot be
    talked into rendering it as HTML, and no caching anywhere along the way.
    """
    try:
        handle = field_file.storage.open(field_file.name, "rb")
    except FileNotFoundError as error:
        audit_record(
            action="file.download",
            actor=request.user,
            target=target,
            subject=subject,
            outcome=AuditLog.Outcome.DENIED,
            request=request,
            detail="file missing from storage",
        )
        raise Http404("File not found") from error
    audit_record(action="file.download", actor=request.user, target=target, subject=subject, request=request)
    response = FileResponse(handle, as_attachment=True, filename=download_name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store, max-age=0"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def deny_private_file(request, *, target=None, subject=None, detail=""):
    """Log a refused download and answer 404, so the file's existence is not revealed."""
    audit_record(
        action="file.download",
        actor=request.user,
        target=target,
        subject=subject,
        outcome=AuditLog.Outcome.DENIED,
        request=request,
        detail=detail,
    )
    raise Http404("File not found")
