from django.urls import path

from consultations import views

app_name = "consultations"

urlpatterns = [
    path("consultations/<int:pk>/", views.room, name="room"),
    path("consultations/<int:pk>/poll/", views.poll_view, name="poll"),
    path("consultations/<int:pk>/send/", views.send, name="send"),
    path("consultations/<int:pk>/read/", views.mark_read, name="read"),
    path("consultations/<int:pk>/start/", views.start, name="start"),
    path("consultations/<int:pk>/complete/", views.complete, name="complete"),
    path("consultations/<int:pk>/in-person/", views.in_person, name="in_person"),
    path("consultations/<int:pk>/files/<int:attachment_pk>/", views.attachment_file, name="file"),
    path(
        "consultations/<int:pk>/files/<int:attachment_pk>/thumbnail/",
        views.attachment_thumbnail,
        name="thumbnail",
    ),
    path("consultations/appointment/<int:appointment_pk>/", views.for_appointment, name="for_appointment"),
    path("consultations/appointment/<int:appointment_pk>/join/", views.join_card, name="join_card"),
]
