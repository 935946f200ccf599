# A real Django REST Framework SimpleJWT server (Debian's python3-djangorestframework-simplejwt) for
# recipes.test.ts and simplejwt.chromium.test.ts: the stock TokenObtainPairView, TokenRefreshView (rotating) and
# TokenBlacklistView, and one protected API view. Binds 127.0.0.1 on a free port, prints the port, and exits when its
# stdin closes (the test process ended or closed it), so it never outlives the test.
import os
import sys
import threading
from datetime import timedelta

import django
from django.conf import settings

# APP_ORIGIN: a page there (a real browser's, on another origin) calls it, through django-cors-headers (Debian's
# python3-django-cors-headers); EXPOSE_DATE=1 lets that page read the Date header.
APP = os.environ.get("APP_ORIGIN")
CORS = (
    {
        "CORS_ALLOWED_ORIGINS": [APP],
        "CORS_EXPOSE_HEADERS": ["Date"] if os.environ.get("EXPOSE_DATE") == "1" else [],
    }
    if APP
    else {}
)

settings.configure(
    DEBUG=False,
    SECRET_KEY="keycard-test-only-" + "k" * 40,
    ALLOWED_HOSTS=["127.0.0.1"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "rest_framework",
        "rest_framework_simplejwt.token_blacklist",
        *(["corsheaders"] if APP else []),
    ],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    MIDDLEWARE=["corsheaders.middleware.CorsMiddleware"] if APP else [],
    **CORS,
    USE_TZ=True,
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    },
    SIMPLE_JWT={
        "ACCESS_TOKEN_LIFETIME": timedelta(seconds=int(os.environ.get("ACCESS_SECONDS", "300"))),
        "ROTATE_REFRESH_TOKENS": True,
        "BLACKLIST_AFTER_ROTATION": True,
    },
)
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework.decorators import api_view, permission_classes  # noqa: E402
from rest_framework.permissions import IsAuthenticated  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework_simplejwt.views import TokenBlacklistView, TokenObtainPairView, TokenRefreshView  # noqa: E402
from wsgiref.simple_server import WSGIRequestHandler, make_server  # noqa: E402


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def me(request):
    return Response({"username": request.user.username})


urlpatterns = [
    path("api/token/", TokenObtainPairView.as_view()),
    path("api/token/refresh/", TokenRefreshView.as_view()),
    path("api/token/blacklist/", TokenBlacklistView.as_view()),
    path("api/me/", me),
]


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


call_command("migrate", verbosity=0, interactive=False)
User.objects.create_user("alice", password="wonderland")
# One thread: the in-memory SQLite database belongs to the thread that made it.
server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=Quiet)
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
print(server.server_port, flush=True)
server.serve_forever()
