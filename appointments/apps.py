from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Appointments"

    def ready(self):
        from appointments.next_available import on_doctor_schedule_changed, on_doctor_verified
        from profiles.signals import doctor_schedule_changed, doctor_verified

        doctor_verified.connect(on_doctor_verified, dispatch_uid="appointments.next_available.verified")
        doctor_schedule_changed.connect(
            on_doctor_schedule_changed, dispatch_uid="appointments.next_available.schedule_changed"
        )
