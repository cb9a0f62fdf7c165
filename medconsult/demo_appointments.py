"""seed_demo's calendar: weekly hours, booking settings, leave and appointments.

What medconsult/demo_data.py describes in offsets from today is placed here on
the doctors' real free slots. Upcoming appointments are booked through
appointments.services (so their events, notifications and reminders are the
real ones) and moved on with the transition services. The service refuses the
past, so past appointments are written directly, with the event history the
services would have written, on slots of the doctor's weekly hours that no
other appointment of the doctor (or the patient) occupies.

Re-running: hours and booking settings are put back as described. Leave is
added only to a doctor with no leave still to come. Appointments are
time-relative, so they are not put back: a spread is added only when the demo
doctor has no appointment from today on (a fresh database, or a demo left
long enough for all of it to have passed); otherwise they are left exactly as
they are. Appointments are never deleted: other apps' rows hang off them.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.management.base import CommandError
from django.db.models import Count, Q
from django.utils import timezone

from appointments import services
from appointments.models import (
    Appointment,
    AppointmentEvent,
    AvailabilityException,
    AvailabilityRule,
    BookingSettings,
)
from appointments.refund_policy import refund_due
from appointments.selectors import free_slots_for_doctor
from appointments.slots import free_slots
from core import zones
from core.models import Notification
from payments.models import Payment, Refund
from profiles.models import Clinic, Mode

Status = Appointment.Status
LEAVE = AvailabilityException.Kind.LEAVE
# How far a visit may move from its planned day to find a free slot.
SEARCH_DAYS = 7
# When an online hold that ends up EXPIRED was taken, before the seed ran.
EXPIRED_HOLD_AGO = timedelta(minutes=15)


@dataclass
class Outcome:
    doctors_with_hours: int = 0
    doctors_on_leave: int = 0
    approval_doctor: object = None
    added: int = 0  # appointments added by this run
    by_status: Counter = field(default_factory=Counter)  # all appointments
    upcoming: int = 0


def seed_schedule(schedule, *, profiles, patients, now) -> Outcome:
    """Apply `schedule` (demo_data.build_schedule) to the seeded doctors
    (`profiles`: email -> DoctorProfile) and patients (email -> User)."""
    outcome = Outcome(approval_doctor=profiles[schedule.approval_doctor])
    outcome.doctors_with_hours = _put_back_rules(schedule, profiles)
    _put_back_settings(schedule, profiles)
    outcome.doctors_on_leave = _add_leave(schedule, profiles, now=now)
    demo_doctor = profiles[schedule.demo_doctor]
    if not Appointment.objects.filter(
        doctor=demo_doctor, start__gte=_day_start(demo_doctor, now, 0)
    ).exists():
        outcome.added = _Visits(schedule, profiles=profiles, patients=patients, now=now).add()
    outcome.by_status = Counter(
        dict(Appointment.objects.order_by().values_list("status").annotate(count=Count("pk")))
    )
    outcome.upcoming = Appointment.objects.filter(start__gte=now, status__in=Appointment.ACTIVE).count()
    return outcome


# --- Weekly hours, settings, leave ----------------------------------------------------------


def _put_back_rules(schedule, profiles) -> int:
    """Each verified doctor's weekly hours exactly as described; rows that
    already match are kept, so a second run writes nothing."""
    doctors = {profiles[email].pk: rules for email, rules in schedule.rules.items()}
    clinics = defaultdict(dict)
    for doctor_id, name, pk in Clinic.objects.filter(doctor_id__in=doctors).values_list(
        "doctor_id", "name", "pk"
    ):
        clinics[doctor_id][name] = pk
    existing = defaultdict(set)
    for row in AvailabilityRule.objects.filter(doctor_id__in=doctors).values_list(
        "doctor_id", "weekday", "start", "end", "slot_minutes", "mode", "clinic_id"
    ):
        existing[row[0]].add(row[1:])
    stale, new = [], []
    for doctor_id, rules in doctors.items():
        # _seed_doctor matched the clinics by name, so the names find them here.
        # Hours at a clinic the doctor has removed (archived, so not found) stay gone.
        wanted = {
            (r.weekday, r.start, r.end, r.slot_minutes, r.mode, clinics[doctor_id].get(r.clinic))
            for r in rules
            if not r.clinic or r.clinic in clinics[doctor_id]
        }
        if wanted == existing[doctor_id]:
            continue
        stale.append(doctor_id)
        new += [
            AvailabilityRule(
                doctor_id=doctor_id,
                weekday=weekday,
                start=start,
                end=end,
                slot_minutes=minutes,
                mode=mode,
                clinic_id=clinic_id,
            )
            for weekday, start, end, minutes, mode, clinic_id in sorted(wanted, key=_rule_order)
        ]
    # Rules only shape future slots; removing them never touches a booking.
    AvailabilityRule.objects.filter(doctor_id__in=stale).delete()
    AvailabilityRule.objects.bulk_create(new)
    return len(doctors)


def _rule_order(rule):
    weekday, start, *_ = rule
    return weekday, start


def _put_back_settings(schedule, profiles):
    existing = {
        s.doctor_id: s
        for s in BookingSettings.objects.filter(
            doctor_id__in=[profiles[s.doctor].pk for s in schedule.settings]
        )
    }
    for spec in schedule.settings:
        doctor = profiles[spec.doctor]
        values = {
            "min_notice_minutes": spec.min_notice_minutes,
            "horizon_days": spec.horizon_days,
            "approval_required": spec.approval_required,
        }
        row = existing.get(doctor.pk)
        if row is None:
            BookingSettings.objects.create(doctor=doctor, **values)
        elif any(getattr(row, name) != value for name, value in values.items()):
            BookingSettings.objects.filter(pk=row.pk).update(**values)


def _add_leave(schedule, profiles, *, now) -> int:
    """Leave for the doctors described, unless they already have leave to come.

    Leave never lands on an active booking: as in the app, adding leave does
    not cancel anything, so a collision means this doctor gets no demo leave.
    """
    for spec in schedule.leave:
        doctor = profiles[spec.doctor]
        today = _today(doctor, now)
        if _upcoming_leave(doctor, today).exists():
            continue
        first = today + timedelta(days=spec.first_day)
        last = first + timedelta(days=spec.days - 1)
        start, end = (
            _day_start(doctor, now, spec.first_day),
            _day_start(doctor, now, spec.first_day + spec.days),
        )
        if Appointment.objects.filter(
            doctor=doctor, status__in=Appointment.ACTIVE, start__lt=end, end__gt=start
        ).exists():
            continue
        AvailabilityException.objects.create(
            doctor=doctor, kind=LEAVE, date=first, end_date=last, note=spec.note
        )
    doctors = {profiles[email].pk: profiles[email] for email in schedule.rules}
    on_leave = {
        leave.doctor_id
        for leave in AvailabilityException.objects.filter(doctor_id__in=doctors, kind=LEAVE)
        if leave.last_date >= _today(doctors[leave.doctor_id], now)
    }
    return len(on_leave)


def _upcoming_leave(doctor, today):
    return AvailabilityException.objects.filter(doctor=doctor, kind=LEAVE).filter(
        Q(date__gte=today) | Q(end_date__gte=today)
    )


# --- Appointments ------------------------------------------------------------------------------


def _today(doctor, now) -> date:
    return zones.local_date(now, doctor.time_zone)


def _day_start(doctor, now, offset) -> datetime:
    return zones.local_midnight(_today(doctor, now) + timedelta(days=offset), doctor.time_zone)


def _overlaps(intervals, start, end) -> bool:
    return any(s < end and start < e for s, e in intervals)


class _Visits:
    """Places the described visits; one instance per run."""

    def __init__(self, schedule, *, profiles, patients, now):
        self.schedule, self.profiles, self.patients, self.now = schedule, profiles, patients, now
        doctor_ids = {profiles[v.doctor].pk for v in schedule.visits}
        patient_ids = {patients[v.patient].pk for v in schedule.visits}
        self.rules = defaultdict(list)
        for rule in AvailabilityRule.objects.filter(doctor_id__in=doctor_ids):
            self.rules[rule.doctor_id, rule.mode].append(rule)
        # Every row counts, whatever its status: two demo visits at one time
        # would look wrong even where the database would allow them.
        self.doctor_busy, self.patient_busy = defaultdict(list), defaultdict(list)
        for doctor_id, patient_id, start, end in Appointment.objects.filter(
            Q(doctor_id__in=doctor_ids) | Q(patient_id__in=patient_ids)
        ).values_list("doctor_id", "patient_id", "start", "end"):
            self.doctor_busy[doctor_id].append((start, end))
            self.patient_busy[patient_id].append((start, end))

    def add(self) -> int:
        last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        added = 0
        for number, visit in enumerate(self.schedule.visits):
            doctor, patient = self.profiles[visit.doctor], self.patients[visit.patient]
            slot = self._slot(visit, doctor, patient, number)
            if slot is None:
                continue  # e.g. nothing of today is over yet; the rest of the spread still shows
            if visit.is_past:
                appointment = self._record_past(visit, doctor, patient, slot, number)
            else:
                appointment = self._book(visit, doctor, patient, slot)
            if appointment.status != visit.status:
                raise CommandError(f"Demo visit {visit} ended up {appointment.status}; fix demo_data.")
            self.doctor_busy[doctor.pk].append((slot.start, slot.end))
            self.patient_busy[patient.pk].append((slot.start, slot.end))
            added += 1
        # The notifications stay in the app (bells, lists); their emails are not
        # sent, so seeding does not pour some sixty messages to addresses nobody
        # reads into the console. Reminders due later still go out on time.
        Notification.objects.filter(
            pk__gt=last_notification,
            email_status=Notification.EmailStatus.PENDING,
            send_after__lte=timezone.now(),
        ).update(email_status=Notification.EmailStatus.NONE)
        return added

    # -- where --

    def _slot(self, visit, doctor, patient, number):
        """A free slot near the planned day; visits spread through the day by their number.

        A past visit may take the other mode when its own has no slot: it is
        written directly, so a video visit needs no payment to have happened
        (an expired hold or a declined request keeps its mode: only that mode has them).
        """
        if visit.day == 0:
            offsets = [0]  # today's visits make the doctor's "today"; no other day will do
        else:
            step = -1 if visit.day < 0 else 1
            offsets = [visit.day + step * shift for shift in range(SEARCH_DAYS)]
        modes = [visit.mode]
        if visit.is_past and visit.status not in (Status.EXPIRED, Status.DECLINED):
            modes += [mode for mode in Mode.values if mode != visit.mode]
        for mode in modes:
            for offset in offsets:
                slots = [
                    slot
                    for slot in self._free(visit, doctor, offset, mode)
                    if not _overlaps(self.patient_busy[patient.pk], slot.start, slot.end)
                ]
                if slots:
                    return slots[(number * 5) % len(slots)]
        return None

    def _free(self, visit, doctor, offset, mode):
        start, end = _day_start(doctor, self.now, offset), _day_start(doctor, self.now, offset + 1)
        if not visit.is_past:
            return free_slots_for_doctor(doctor, window_start=start, window_end=end, now=self.now, mode=mode)
        # The past, from the weekly hours alone: the slot engine is a pure function.
        slots = free_slots(
            tz=doctor.time_zone,
            rules=self.rules[doctor.pk, mode],
            exceptions=[],
            taken=self.doctor_busy[doctor.pk],
            not_before=start,
            not_after=min(end, self.now),
        )
        return [slot for slot in slots if slot.end <= self.now]

    # -- upcoming: through the services --

    def _book(self, visit, doctor, patient, slot):
        expires = visit.status == Status.EXPIRED
        booked_at = self.now - EXPIRED_HOLD_AGO if expires else self.now
        appointment = services.appointment_book(
            patient=patient,
            doctor=doctor,
            start=slot.start,
            mode=visit.mode,
            reason=visit.reason,
            now=booked_at,
        )
        if expires:
            Appointment.objects.filter(pk=appointment.pk).update(created_at=booked_at)
            return services.appointment_expire(appointment=appointment, now=self.now)
        if visit.status == Status.CONFIRMED and appointment.status == Status.REQUESTED:
            return services.appointment_accept(appointment=appointment, actor=doctor.user, now=self.now)
        if visit.status == Status.DECLINED:
            return services.appointment_decline(
                appointment=appointment, actor=doctor.user, reason=visit.note, now=self.now
            )
        if visit.status == Status.CANCELLED:
            actor = doctor.user if visit.by == "doctor" else patient
            return services.appointment_cancel(
                appointment=appointment, actor=actor, reason=visit.note, now=self.now
            )
        return appointment

    # -- past: the rows and the history the services would have written --

    def _record_past(self, visit, doctor, patient, slot, number):
        online = slot.mode == Mode.ONLINE
        # Booked one to five days ahead, at varying times of day.
        created = slot.start - timedelta(days=1 + number % 5, hours=number % 7, minutes=13 * (number % 4))
        approval = doctor.pk == self.profiles[self.schedule.approval_doctor].pk and not online
        appointment = Appointment.objects.create(
            doctor=doctor,
            patient=patient,
            mode=slot.mode,
            clinic_id=slot.clinic_id,
            start=slot.start,
            end=slot.end,
            status=visit.status,
            reason=visit.reason,
            fee=(doctor.fee_online if online else doctor.fee_in_person) or 0,
            hold_expires_at=created + Appointment.HOLD if online else None,
            created_at=created,
        )
        doctor_user = doctor.user
        history = []  # (at, actor, from, to, reason)
        if online:
            history.append((created, patient, "", Status.PENDING_PAYMENT, ""))
            if visit.status == Status.EXPIRED:
                history.append(
                    (
                        created + Appointment.HOLD,
                        None,
                        Status.PENDING_PAYMENT,
                        Status.EXPIRED,
                        "Payment not completed within 10 minutes",
                    )
                )
            else:
                history.append(
                    (
                        created + timedelta(minutes=3),
                        patient,
                        Status.PENDING_PAYMENT,
                        Status.CONFIRMED,
                        "Paid",
                    )
                )
        elif approval:
            history.append((created, patient, "", Status.REQUESTED, ""))
            if visit.status == Status.DECLINED:
                declined_at = slot.start if visit.by == "system" else created + timedelta(hours=3)
                actor = None if visit.by == "system" else doctor_user
                history.append((declined_at, actor, Status.REQUESTED, Status.DECLINED, visit.note))
            else:
                history.append(
                    (created + timedelta(hours=2), doctor_user, Status.REQUESTED, Status.CONFIRMED, "")
                )
        else:
            history.append((created, patient, "", Status.CONFIRMED, ""))

        if visit.status == Status.COMPLETED:
            history.append(
                (slot.end + timedelta(minutes=5), doctor_user, Status.CONFIRMED, Status.COMPLETED, "")
            )
        elif visit.status == Status.NO_SHOW:
            history.append(
                (slot.start + timedelta(minutes=15), doctor_user, Status.CONFIRMED, Status.NO_SHOW, "")
            )
        elif visit.status == Status.CANCELLED:
            # Patients may cancel until two hours before the start.
            cancelled_at = min(created + timedelta(hours=20), slot.start - timedelta(hours=3))
            actor = doctor_user if visit.by == "doctor" else patient
            history.append((cancelled_at, actor, Status.CONFIRMED, Status.CANCELLED, visit.note))
        if history[-1][3] != visit.status:
            raise CommandError(f"Demo visit {visit} cannot end {visit.status} this way; fix demo_data.")
        AppointmentEvent.objects.bulk_create(
            AppointmentEvent(
                appointment=appointment,
                at=min(at, self.now),
                actor=actor,
                from_status=old,
                to_status=new,
                reason=reason,
            )
            for at, actor, old, new, reason in history
        )
        if online and visit.status != Status.EXPIRED:
            self._record_payment(appointment, paid_at=created + timedelta(minutes=3), cancel=history[-1])
        return appointment

    def _record_payment(self, appointment, *, paid_at, cancel):
        """The payment a past online consult had (and its refund, if cancelled), as
        payments would have written them, so earnings and receipts have something to show."""
        payment = Payment.objects.create(
            appointment=appointment,
            gateway=Payment.Gateway.FAKE,
            receipt=f"mc-demo-{appointment.pk}",
            order_id=f"order_demo{appointment.pk:06d}",
            payment_id=f"pay_demo{appointment.pk:06d}",
            amount=appointment.fee,
            status=Payment.Status.CAPTURED,
            created_at=paid_at,
            captured_at=paid_at,
        )
        Appointment.objects.filter(pk=appointment.pk).update(
            payment_ref=payment.payment_id, payment_state=Appointment.PaymentState.PAID
        )
        appointment.payment_ref, appointment.payment_state = payment.payment_id, Appointment.PaymentState.PAID
        at, actor, _, to_status, _ = cancel
        if to_status != Status.CANCELLED:
            return
        amount = refund_due(appointment, actor=actor, at=at)
        if amount:
            Refund.objects.create(
                payment=payment,
                amount=amount,
                reason="You cancelled the appointment."
                if actor.pk == appointment.patient_id
                else f"{appointment.doctor.display_name} cancelled the appointment.",
                status=Refund.Status.PROCESSED,
                idempotency_key=f"mc-rfnd-demo-{appointment.pk}",
                attempts=1,
                razorpay_refund_id=f"rfnd_demo{appointment.pk:06d}",
                created_at=at,
                processed_at=at,
            )
            Appointment.objects.filter(pk=appointment.pk).update(
                payment_state=Appointment.PaymentState.REFUNDED
            )
