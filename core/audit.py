"""Writing to the audit log: one function, so every entry has the same shape."""

from core.models import AuditLog


def client_ip(request):
    return request.META.get("REMOTE_ADDR") if request is not None else None


def audit_record(
    *,
    action: str,
    actor=None,
    target=None,
    subject=None,
    outcome: str = AuditLog.Outcome.ALLOWED,
    request=None,
    detail: str = "",
) -> AuditLog:
    """Append one entry. `target` is any model instance (or None); `subject` the
    user whose data it concerns. Anonymous actors are stored as empty."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditLog.objects.create(
        action=action,
        actor=actor,
        outcome=outcome,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        subject=subject,
        ip_address=client_ip(request),
        detail=detail[:500],
    )
