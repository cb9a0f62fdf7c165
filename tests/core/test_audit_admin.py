"""The audit log in admin: filters by who acted, whose data, object type and
action; a CSV export of the filtered rows; never editable."""

import csv
import io

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from core.audit import audit_record
from core.models import AuditLog
from tests.factories import AppointmentFactory, PatientFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:core_auditlog_changelist"


@pytest.fixture
def entries(staff, patient, other_patient, doctor):
    appointment = AppointmentFactory(patient=patient)
    return [
        audit_record(action="appointment.viewed", actor=staff, target=appointment, subject=patient),
        audit_record(action="record.viewed", actor=doctor, target=appointment, subject=patient),
        audit_record(
            action="appointment.cancelled_by_staff",
            actor=staff,
            target=AppointmentFactory(patient=other_patient),
            subject=other_patient,
            detail='=HYPERLINK("http://evil")',
        ),
        audit_record(action="verification.approved", actor=staff, target=doctor, subject=doctor),
    ]


def listed(client, **params):
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    return sorted(entry.pk for entry in response.context["cl"].result_list)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"actor_email": "meera@example.com"}, [0, 2, 3]),
        ({"actor_email": "ASHA.RAO@example.com"}, [1]),
        ({"subject_email": "priya@example.com"}, [0, 1]),
        ({"target_type": "appointments.appointment"}, [0, 1, 2]),
        ({"target_type": "accounts.user"}, [3]),
        ({"action": "appointment.cancelled_by_staff"}, [2]),
        ({"actor_email": "meera@example.com", "subject_email": "priya@example.com"}, [0]),
        ({"actor_email": "nobody@example.com"}, []),
    ],
)
def test_audit_log_filters_narrow_the_list(client_for, staff, entries, params, expected):
    assert listed(client_for(staff), **params) == sorted(entries[i].pk for i in expected)


def test_audit_log_csv_export_has_the_filtered_rows_safely_and_is_itself_audited(client_for, staff, entries):
    response = client_for(staff).get(
        reverse("admin:core_auditlog_export"), {"actor_email": "meera@example.com"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["action"] for row in rows] == [
        "appointment.viewed",
        "appointment.cancelled_by_staff",
        "verification.approved",
    ]
    assert rows[1]["detail"] == '\'=HYPERLINK("http://evil")'  # no formula runs in a spreadsheet
    assert rows[1]["subject_email"] == "karan@example.com"
    exported = AuditLog.objects.get(action="audit.exported")
    assert exported.actor == staff
    assert exported.detail == "actor_email=meera%40example.com"


@pytest.mark.parametrize("persona", ["patient", "anonymous"])
def test_audit_log_export_is_for_staff_only(client, client_for, patient, entries, persona):
    if persona == "patient":
        client_for(patient)

    response = client.get(reverse("admin:core_auditlog_export"))

    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_audit_log_admin_is_never_editable(client_for, staff, entries):
    model_admin = admin.site._registry[AuditLog]
    request = RequestFactory().get("/")
    request.user = staff
    entry = entries[0]

    assert model_admin.has_view_permission(request, entry)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    browser = client_for(staff)
    response = browser.post(reverse("admin:core_auditlog_change", args=[entry.pk]), {"action": "forged"})
    assert response.status_code == 403
    assert browser.get(reverse("admin:core_auditlog_delete", args=[entry.pk])).status_code == 403
    entry.refresh_from_db()
    assert entry.action == "appointment.viewed"


@pytest.mark.parametrize("rows", [1, 6])
def test_audit_log_list_query_count_does_not_grow_with_rows(
    client_for, staff, django_assert_num_queries, rows
):
    for _ in range(rows):
        audit_record(action="record.viewed", actor=PatientFactory(), subject=PatientFactory())
    browser = client_for(staff)
    browser.get(reverse(CHANGELIST))

    # The same seven queries (user, rows with actor and subject, the object-type
    # and action filters' choices, the date hierarchy) for 1 row or many.
    with django_assert_num_queries(7):
        browser.get(reverse(CHANGELIST))
