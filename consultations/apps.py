from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = "Consultations"

    def ready(self):
        from appointments import signals
        from consultations import receivers

        for signal, receiver, uid in (
            (signals.appointment_confirmed, receivers.on_appointment_confirmed, "confirmed"),
            (signals.appointment_completed, receivers.on_appointment_completed, "completed"),
            (signals.appointment_cancelled, receivers.on_appointment_cancelled, "cancelled"),
            (signals.appointment_no_show, receivers.on_appointment_no_show, "no_show"),
            (signals.appointment_rescheduled, receivers.on_appointment_rescheduled, "rescheduled"),
        ):
            signal.connect(receiver, dispatch_uid=f"consultations.follow_{uid}")
