from django.http import Http404
from django.shortcuts import render
from django.urls import path

from appointments import selectors


def appointment_detail(request, pk):
    appointment = selectors.appointment_for(request.user, pk)
    if appointment is None:
        raise Http404("No such appointment")
    return render(request, "appointments/detail.html", {"appointment": appointment})


urlpatterns = [
    path("appointments/<int:pk>/", appointment_detail, name="detail"),
]
