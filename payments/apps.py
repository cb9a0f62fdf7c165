from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self):
        from appointments.signals import appointment_cancelled
        from payments.services import on_appointment_cancelled

        appointment_cancelled.connect(on_appointment_cancelled, dispatch_uid="payments.refund_on_cancel")
