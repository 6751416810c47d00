from __future__ import annotations

from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    *[
        path(
            f"{section.replace('_', '-')}/",
            views.upcoming_section,
            {"section": section},
            name=section,
        )
        for section in views.UPCOMING_SECTIONS
    ],
]
