"""ASGI entry point; WSGI under gunicorn is the default (see architecture.md)."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "segmentflow.settings")
application = get_asgi_application()
