from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.static import serve

from core.notifications import notification_mark_read, visible_notifications
from core.uploads import is_generated_name

MEDIA_FOREVER = "public, max-age=31536000, immutable"
MEDIA_REVALIDATE = "public, no-cache"


@never_cache
def healthz(request):
    """Liveness probe and the benchmark's baseline: no database, no template.

    `?db=1` makes it a readiness probe that load balancers can use: one
    `SELECT 1` on the default database (503 when it does not answer), also the
    benchmark's one-query reference row.
    """
    if request.GET.get("db"):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError:
            return HttpResponse("database unavailable", content_type="text/plain", status=503)
    return HttpResponse("ok", content_type="text/plain")


def favicon(request):
    """Browsers ask for /favicon.ico on pages without a <link rel=icon> (Django admin)."""
    return redirect(static("img/favicon.svg"), permanent=True)


@login_required
def notification_list(request):
    page = Paginator(visible_notifications(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page": page})


@login_required
@require_POST
def notification_open(request, pk):
    """Mark one notification read and go where it points."""
    notification = get_object_or_404(visible_notifications(request.user), pk=pk)
    notification_mark_read(user=request.user, pk=notification.pk)
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "core:notifications"
    return redirect(target)


@login_required
@require_POST
def notification_read_all(request):
    notification_mark_read(user=request.user)
    return redirect("core:notifications")


def public_media(request, path):
    """Public uploads (profile photos) when SERVE_MEDIA is on; the web server's job in production.

    A name core.uploads generated never changes content (a new photo gets a new
    name), so browsers keep it a year without asking again; any other file
    (one placed by hand or through the admin) is revalidated on every use.
    Production should send the same headers from the web server (README).
    MEDIA_ROOT is read per request so a changed setting (the tests) is honoured.
    """
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = MEDIA_FOREVER if is_generated_name(path) else MEDIA_REVALIDATE
    return response
