"""Appointments' pages: each views module brings its own patterns."""

from appointments.views import availability, booking, clinics, lists

app_name = "appointments"

urlpatterns = [*booking.urlpatterns, *availability.urlpatterns, *clinics.urlpatterns, *lists.urlpatterns]
