from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

app_name = "accounts"

settings_patterns = [
    path("", views.settings_home, name="settings"),
    path("api-keys/", views.api_key_list, name="api_keys"),
    path("api-keys/new/", views.api_key_create, name="api_key_create"),
    path("api-keys/<str:key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("members/", views.member_list, name="members"),
]

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("switch-org/", views.switch_organization, name="switch_org"),
    path("settings/", include(settings_patterns)),
]
