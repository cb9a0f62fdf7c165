"""Reads behind My Records and the doctor's view of a patient's history.

The timeline merges rows of several kinds into one list ordered by date. It is
paginated in the database: one UNION of (kind, id, date) across the kinds asked
for, sliced to the page, then one query per kind present on that page with
every join its rows display. So a page costs the same queries for one row or a
full page, whatever the size of the record.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import CharField, Count, DateTimeField, Exists, F, OuterRef, Value
from django.db.models.functions import Cast
from django.utils import timezone

from appointments.models import Appointment
from consultations.models import Attachment, Call, ConsultationSession, Message
from consultations.selectors import call_records
from consultations.selectors import messages_of as consultation_messages
from core import zones
from core.models import AuditLog
from payments.models import Payment
from prescriptions.models import Prescription
from prescriptions.records.access import binding, doctor_access
from prescriptions.records.models import MedicalReport, RecordShare
from prescriptions.selectors import ISSUED_OR_AFTER, prescriptions_for_patient

# --- The timeline ------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One kind of row on the timeline: where its rows come from and how they are dated."""

    kind: str
    label: str
    rows: callable  # (patient, hidden: bool) -> queryset of the patient's rows of this kind
    date_field: str
    is_date: bool  # a DateField (compared by day) rather than a DateTimeField
    load: callable  # (ids) -> queryset with what the template shows


def record_appointments(patient, *, now=None):
    """The patient's appointments that belong in the record (the timeline and the
    export): a payment hold that expired or lapsed never became an appointment."""
    return (
        Appointment.objects.filter(patient=patient)
        .exclude(status=Appointment.Status.EXPIRED)
        .exclude(Appointment.lapsed_hold(now or timezone.now()))
    )


def _appointments(patient, hidden):
    return record_appointments(patient)


def _load_appointments(ids):
    return Appointment.objects.filter(pk__in=ids).select_related("doctor", "clinic__locality")


def _prescriptions(patient, hidden):
    return prescriptions_for_patient(patient)


def _load_prescriptions(ids):
    return Prescription.objects.filter(pk__in=ids).select_related("doctor", "superseded_by")


def _consultations(patient, hidden):
    # A room where nothing was written and no call was made has nothing to show.
    return ConsultationSession.objects.filter(appointment__patient=patient).filter(
        Exists(Message.objects.filter(session=OuterRef("pk")))
        | Exists(Call.objects.filter(session=OuterRef("pk")))
    )


def _load_consultations(ids):
    return (
        ConsultationSession.objects.filter(pk__in=ids)
        .select_related("appointment__doctor")
        .annotate(message_count=Count("messages"))
    )


def _attachments(patient, hidden):
    return Attachment.objects.filter(message__session__appointment__patient=patient)


def _load_attachments(ids):
    return Attachment.objects.filter(pk__in=ids).select_related(
        "message__sender", "message__session__appointment__doctor"
    )


def _payments(patient, hidden):
    return Payment.objects.filter(appointment__patient=patient, status=Payment.Status.CAPTURED)


def _load_payments(ids):
    return Payment.objects.filter(pk__in=ids).select_related("appointment__doctor")


def _reports(patient, hidden):
    return MedicalReport.objects.filter(patient=patient, hidden_at__isnull=not hidden)


def _load_reports(ids):
    return MedicalReport.objects.filter(pk__in=ids)


SOURCES = {
    source.kind: source
    for source in (
        Source("appointment", "Appointments", _appointments, "start", False, _load_appointments),
        Source("prescription", "Prescriptions", _prescriptions, "issued_at", False, _load_prescriptions),
        Source(
            "consultation",
            "Consultation transcripts",
            _consultations,
            "appointment__start",
            False,
            _load_consultations,
        ),
        Source("attachment", "Chat attachments", _attachments, "created_at", False, _load_attachments),
        Source("payment", "Payments and receipts", _payments, "captured_at", False, _load_payments),
        Source("report", "Your reports", _reports, "report_date", True, _load_reports),
    )
}


@dataclass(frozen=True)
class TimelineItem:
    kind: str
    at: datetime
    obj: object


def _dated(source, patient, *, hidden, first: date | None, last: date | None):
    rows = source.rows(patient, hidden)
    if source.is_date:
        if first:
            rows = rows.filter(**{f"{source.date_field}__gte": first})
        if last:
            rows = rows.filter(**{f"{source.date_field}__lte": last})
        at = Cast(source.date_field, DateTimeField())
    else:
        # The viewer's days: "from 1 Dec" means from their midnight, not UTC's.
        tz = timezone.get_current_timezone()
        if first:
            rows = rows.filter(**{f"{source.date_field}__gte": zones.local_midnight(first, tz)})
        if last:
            _, end = zones.local_day_bounds(last, last, tz)
            rows = rows.filter(**{f"{source.date_field}__lt": end})
        at = F(source.date_field)
    return (
        rows.order_by()
        .annotate(item_kind=Value(source.kind, output_field=CharField()), item_id=F("pk"), item_at=at)
        .values_list("item_kind", "item_id", "item_at")
    )


def timeline(patient, *, kinds=None, report_kind="", hidden=False, first=None, last=None):
    """The (kind, id, date) rows of the patient's record, newest first, as one
    queryset to paginate. `kinds` limits the kinds; `report_kind` the reports'
    type; `hidden` lists hidden uploads instead (reports only)."""
    kinds = ["report"] if hidden else kinds or list(SOURCES)
    parts = []
    for kind in kinds:
        part = _dated(SOURCES[kind], patient, hidden=hidden, first=first, last=last)
        if kind == "report" and report_kind:
            part = part.filter(kind=report_kind)
        parts.append(part)
    combined = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return combined.order_by("-item_at", "-item_id")


def load_items(rows) -> list[TimelineItem]:
    """The objects behind a page of timeline rows, in the rows' order: one query per kind present."""
    ids = defaultdict(list)
    for kind, pk, _ in rows:
        ids[kind].append(pk)
    loaded = {(kind, obj.pk): obj for kind, pks in ids.items() for obj in SOURCES[kind].load(pks)}
    return [TimelineItem(kind, at, loaded[(kind, pk)]) for kind, pk, at in rows if (kind, pk) in loaded]


def with_call_records(items) -> list[TimelineItem]:
    """Give each consultation on the page its calls (`call_history`, newest first,
    for templates/consultations/partials/call_list.html): one query when the page
    has consultations, none otherwise."""
    sessions = [item.obj for item in items if item.kind == "consultation"]
    if sessions:
        records = call_records([session.pk for session in sessions])
        for session in sessions:
            session.call_history = records.get(session.pk, [])
    return items


# --- Who looked --------------------------------------------------------------------

LOOKED = {
    "file.download": "downloaded",
    "records.history.view": "opened your records",
    "prescription.view": "opened a prescription",
}


def looked_at(patient, *, limit=10):
    """The latest reads of the patient's record by someone else (doctors), newest first."""
    return list(
        AuditLog.objects.filter(subject=patient, outcome=AuditLog.Outcome.ALLOWED, action__in=list(LOOKED))
        .exclude(actor=patient)
        .exclude(actor__isnull=True)
        .select_related("actor")[:limit]
    )


# --- Reports -----------------------------------------------------------------------


def report_of_patient(patient, pk):
    """The patient's own report (hidden ones too), or None."""
    return MedicalReport.objects.filter(patient=patient, pk=pk).first()


def _shared_with(user, patient, shares, now) -> bool:
    """Whether `shares` (RecordShare rows of one item) name an appointment of
    doctor `user`, whose access to what the patient shared still lasts."""
    if not user.is_authenticated or not user.is_doctor:
        return False
    share = shares.filter(appointment__doctor__user=user).select_related("appointment__doctor").first()
    if share is None:
        return False
    access = doctor_access(doctor=share.appointment.doctor, patient=patient, now=now)
    return access.sees_shared(now or timezone.now())


def report_for_download(*, user, pk, now=None):
    """(report, allowed): the report with that id, if any, and whether `user`
    may have its file: its patient, or a doctor it is shared with whose access
    to shared items lasts (records.access). Hidden reports: the patient only."""
    report = MedicalReport.objects.select_related("patient").filter(pk=pk).first()
    if report is None or not user.is_authenticated:
        return report, False
    if report.patient_id == user.pk:
        return report, True
    if report.is_hidden:
        return report, False
    return report, _shared_with(user, report.patient, RecordShare.objects.filter(report=report), now)


def prescription_for_shared_download(*, user, pk, now=None):
    """(prescription, allowed): an issued prescription shared with doctor `user`
    while their access to shared items lasts."""
    prescription = (
        Prescription.objects.select_related("patient", "doctor")
        .filter(pk=pk, status__in=ISSUED_OR_AFTER)
        .first()
    )
    if prescription is None or not prescription.pdf:
        return prescription, False
    shares = RecordShare.objects.filter(prescription=prescription)
    return prescription, _shared_with(user, prescription.patient, shares, now)


def visible_reports(patient):
    return MedicalReport.objects.filter(patient=patient, hidden_at__isnull=True)


# --- Sharing -----------------------------------------------------------------------


def appointment_for_sharing(patient, pk, *, now=None):
    """The patient's own appointment that binds its doctor (so sharing means something), or None."""
    appointment = Appointment.objects.select_related("doctor").filter(patient=patient, pk=pk).first()
    if appointment is None or not binding([appointment], now=now or timezone.now()):
        return None
    return appointment


def shared_ids(appointment) -> tuple[set[int], set[int]]:
    """(report ids, prescription ids) shared for the appointment."""
    reports, prescriptions = set(), set()
    for report_id, prescription_id in RecordShare.objects.filter(appointment=appointment).values_list(
        "report_id", "prescription_id"
    ):
        (reports.add(report_id) if report_id else prescriptions.add(prescription_id))
    return reports, prescriptions


def shareable_prescriptions(patient, appointment):
    """The patient's earlier prescriptions the appointment's doctor did not write
    (their own they see anyway)."""
    return prescriptions_for_patient(patient).exclude(doctor=appointment.doctor_id)


# --- The doctor's view -------------------------------------------------------------


@dataclass(frozen=True)
class PatientHistory:
    patient: object
    appointment: Appointment  # the one the doctor came from
    appointments: list  # this doctor's appointments with the patient, newest first
    shared_reports: list
    own_prescriptions: list  # what this doctor wrote for the patient
    shared_prescriptions: list  # other doctors' prescriptions the patient shared
    shared_until: datetime
    sees_shared: bool


def doctor_appointment(user, pk):
    """The appointment if `user` is its doctor, with the patient, else None."""
    if not user.is_authenticated or not user.is_doctor:
        return None
    return Appointment.objects.select_related("doctor", "patient").filter(pk=pk, doctor__user=user).first()


def patient_history(appointment, *, now=None) -> PatientHistory | None:
    """What the appointment's doctor may see of its patient at `now`, or None
    when no appointment binds them (records.access)."""
    now = now or timezone.now()
    doctor, patient = appointment.doctor, appointment.patient
    pair = list(
        Appointment.objects.filter(doctor=doctor, patient=patient)
        .exclude(status=Appointment.Status.EXPIRED)
        .select_related("doctor", "clinic")
        .order_by("-start")
    )
    access = doctor_access(doctor=doctor, patient=patient, now=now, appointments=pair)
    if not access.allowed:
        return None
    sees_shared = access.sees_shared(now)
    own = list(
        Prescription.objects.filter(doctor=doctor, patient=patient, status__in=ISSUED_OR_AFTER).order_by(
            "-issued_at", "-id"
        )
    )
    shared = shared_rx = []
    if sees_shared:
        shared_rx = list(
            Prescription.objects.filter(
                shares__appointment__doctor=doctor, patient=patient, status__in=ISSUED_OR_AFTER
            )
            .exclude(doctor=doctor)
            .select_related("doctor")
            .distinct()
            .order_by("-issued_at", "-id")
        )
        shared = list(
            MedicalReport.objects.filter(
                shares__appointment__doctor=doctor, patient=patient, hidden_at__isnull=True
            )
            .distinct()
            .order_by("-report_date", "-id")
        )
    return PatientHistory(
        patient=patient,
        appointment=appointment,
        appointments=[a for a in pair if not a.hold_lapsed_at(now)],
        shared_reports=shared,
        own_prescriptions=own,
        shared_prescriptions=shared_rx,
        shared_until=access.shared_until,
        sees_shared=sees_shared,
    )


# --- Transcripts ---------------------------------------------------------------------


def patient_session(patient, pk):
    """The patient's own consultation room, with its appointment and doctor, or None."""
    return (
        ConsultationSession.objects.select_related("appointment__doctor", "appointment__patient")
        .filter(pk=pk, appointment__patient=patient)
        .first()
    )


def transcript(session) -> list:
    """The session's messages, oldest first, with sender and attachment."""
    return list(consultation_messages(session))
