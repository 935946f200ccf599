# A real Django OAuth Toolkit provider (Debian's python3-django-oauth-toolkit, 1.7 on bookworm) for
# django-oauth-toolkit.test.ts and dot.browsers.test.ts: its stock authorize, token and revocation views and OIDC
# discovery and JWKS (RS256 ID tokens), Django's own login view, one public client with PKCE, and one protected API
# view that accepts its opaque access tokens. Binds 127.0.0.1 on a free port, prints the port, and exits when its
# stdin closes, so it never outlives the test.
import os
import sys
import threading

import django
from django.conf import settings
from jwcrypto import jwk

# APP_ORIGIN: a page there (a real browser's) is the client too: its /callback is registered, and django-cors-headers
# (Debian's python3-django-cors-headers; DOT has no CORS of its own) lets it call the token, revocation and API views.
APP = os.environ.get("APP_ORIGIN")
CORS = ["corsheaders"] if APP else []

settings.configure(
    DEBUG=False,
    SECRET_KEY="keycard-test-only-" + "k" * 40,
    ALLOWED_HOSTS=["127.0.0.1"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "oauth2_provider",
        *CORS,
    ],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    # CommonMiddleware as in a default project: APPEND_SLASH redirects a path without its slash (DOT before 2.4
    # serves discovery only at .well-known/openid-configuration/).
    MIDDLEWARE=[
        *(["corsheaders.middleware.CorsMiddleware"] if APP else []),
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ],
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {
                            "registration/login.html": '<form method="post" action="">{% csrf_token %}'
                            "{{ form.as_p }}<button type=\"submit\">Sign in</button></form>",
                        },
                    ),
                    "django.template.loaders.app_directories.Loader",
                ],
            },
        }
    ],
    LOGIN_URL="/accounts/login/",
    CORS_ALLOWED_ORIGINS=[APP] if APP else [],
    USE_TZ=True,
    OAUTH2_PROVIDER={
        "OIDC_ENABLED": True,
        "OIDC_RSA_PRIVATE_KEY": jwk.JWK.generate(kty="RSA", size=2048).export_to_pem(private_key=True, password=None).decode(),
        "PKCE_REQUIRED": True,
        "SCOPES": {"openid": "OpenID Connect", "read": "Read the API"},
        "ACCESS_TOKEN_EXPIRE_SECONDS": int(os.environ.get("ACCESS_SECONDS", "300")),
        "ROTATE_REFRESH_TOKEN": True,
        "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    },
)
django.setup()

from django.contrib.auth import views as auth_views  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import include, path  # noqa: E402
from oauth2_provider.models import get_application_model  # noqa: E402
from oauth2_provider.views.generic import ProtectedResourceView  # noqa: E402
from wsgiref.simple_server import WSGIRequestHandler, make_server  # noqa: E402


class Me(ProtectedResourceView):
    def get(self, request, *args, **kwargs):
        return JsonResponse({"username": request.resource_owner.username})


urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("accounts/login/", auth_views.LoginView.as_view()),
    path("api/me/", Me.as_view()),
]


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


call_command("migrate", verbosity=0, interactive=False)
alice = User.objects.create_user("alice", password="wonderland")
get_application_model().objects.create(
    client_id="keycard-spa",
    name="keycard",
    user=alice,
    client_type="public",
    authorization_grant_type="authorization-code",
    redirect_uris=" ".join(["http://127.0.0.1:5173/callback", *([APP + "/callback"] if APP else [])]),
    skip_authorization=True,
    algorithm="RS256",
)
# One thread: the in-memory SQLite database belongs to the thread that made it.
server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=Quiet)
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
print(server.server_port, flush=True)
server.serve_forever()
