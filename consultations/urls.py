from django.urls import path

from consultations import call_views, views

app_name = "consultations"

urlpatterns = [
    path("consultations/<int:pk>/", views.room, name="room"),
    path("consultations/<int:pk>/poll/", views.poll_view, name="poll"),
    path("consultations/<int:pk>/send/", views.send, name="send"),
    path("consultations/<int:pk>/read/", views.mark_read, name="read"),
    path("consultations/<int:pk>/typing/", views.typing, name="typing"),
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
    path("consultations/<int:pk>/calls/start/", call_views.call_start, name="call_start"),
    path("consultations/<int:pk>/calls/<int:call_pk>/join/", call_views.call_join, name="call_join"),
    path("consultations/<int:pk>/calls/<int:call_pk>/decline/", call_views.call_decline, name="call_decline"),
    path("consultations/<int:pk>/calls/<int:call_pk>/signal/", call_views.call_signal, name="call_signal"),
    path(
        "consultations/<int:pk>/calls/<int:call_pk>/connected/",
        call_views.call_connected,
        name="call_connected",
    ),
    path("consultations/<int:pk>/calls/<int:call_pk>/end/", call_views.call_end, name="call_end"),
]
