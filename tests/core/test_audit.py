import pytest
from django.db import connection

from core.audit import audit_record
from core.models import AuditLog

pytestmark = pytest.mark.django_db


def test_audit_rows_cannot_be_changed_or_deleted(staff):
    entry = audit_record(action="verification.approved", actor=staff)

    entry.detail = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.update(detail="rewritten")
    with pytest.raises(PermissionError):
        AuditLog.objects.all().delete()
    assert AuditLog.objects.get().detail == ""


@pytest.mark.postgres_only
def test_audit_rows_cannot_be_changed_even_with_raw_sql(staff):
    from django.db import DatabaseError, transaction

    audit_record(action="file.download", actor=staff)

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE core_auditlog SET detail = 'x'")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM core_auditlog")
    assert AuditLog.objects.count() == 1


def test_admin_lists_audit_log_but_offers_no_change(client_for, staff, patient):
    entry = audit_record(action="file.download", actor=patient, outcome=AuditLog.Outcome.DENIED)
    client = client_for(staff)

    listing = client.get("/admin/core/auditlog/?outcome__exact=DENIED")
    change = client.post(f"/admin/core/auditlog/{entry.pk}/change/", {"detail": "x"})
    delete = client.post(f"/admin/core/auditlog/{entry.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200
    assert "file.download" in listing.content.decode()
    assert change.status_code in (200, 403)
    assert delete.status_code == 403
    entry.refresh_from_db()
    assert entry.detail == ""
    assert client.get("/admin/core/auditlog/add/").status_code == 403


def test_audit_log_is_staff_only(client_for, patient):
    response = client_for(patient).get("/admin/core/auditlog/")

    assert response.status_code == 302
