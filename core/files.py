"""Handing out private files. Each app's download view decides whether the
requester may have a file (through its own selectors); this module only
streams it safely (or, with files in object storage, redirects to a signed URL
that lapses within a minute) and writes the access log, allowed or denied."""

from django.http import FileResponse, Http404, HttpResponseRedirect

from core.audit import audit_record
from core.models import AuditLog


def serve_private_file(request, *, field_file, download_name, content_type, target, subject=None):
    """Stream a stored private file as an attachment and log the access.

    Headers: `Content-Disposition: attachment` with the display name (never the
    stored one), `X-Content-Type-Options: nosniff` so a browser cannot be
    talked into rendering it as HTML, and no caching anywhere along the way.

    With STORAGE_BACKEND=s3 the app server does not carry the bytes: the answer
    is a redirect to a URL signed for PRIVATE_URL_SECONDS that makes the bucket
    send the same attachment name and type. Only this view, after its
    permission check, ever signs one.
    """
    storage = field_file.storage
    remote = getattr(storage, "is_remote", False)
    try:
        if remote:
            if not storage.exists(field_file.name):
                raise FileNotFoundError(field_file.name)
        else:
            handle = storage.open(field_file.name, "rb")
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
    if remote:
        url = storage.signed_url(field_file.name, download_name=download_name, content_type=content_type)
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store, max-age=0"
        # The signature is a bearer credential: never pass it on as a referrer.
        response["Referrer-Policy"] = "no-referrer"
        return response
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
