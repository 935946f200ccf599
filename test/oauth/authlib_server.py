# A real Authlib provider (Debian's python3-authlib, 1.2 on bookworm) for authlib.test.ts: Authlib's Flask
# AuthorizationServer with its stock authorization-code grant, PKCE (CodeChallenge, required), OpenID Connect
# (OpenIDCode: RS256 ID tokens), refresh-token grant and RFC 7009 revocation endpoint, and a ResourceProtector
# guarding one API view, wired as Authlib's documentation and its example OIDC server wire them. The storage those
# grants call back into is in memory (plain objects with Authlib's model methods, where the docs use SQLAlchemy).
# Binds 127.0.0.1 on a free port, prints the port, and exits when its stdin closes, so it never outlives the test.
import os
import secrets
import sys
import threading
import time

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector, current_token
from authlib.jose import JsonWebKey
from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.discovery import OpenIDProviderMetadata
from flask import Flask, jsonify, redirect, request, session
from werkzeug.serving import WSGIRequestHandler, make_server

ACCESS_SECONDS = int(os.environ.get("ACCESS_SECONDS", "3600"))
CLIENT_ID = "keycard-spa"
# APP_ORIGIN: a page there (a real browser's, authlib.browsers.test.ts) is the client too: its /callback is
# registered, and the provider answers its cross-origin calls (CORS, as flask-cors would add it).
APP = os.environ.get("APP_ORIGIN")
REDIRECT_URIS = ["http://127.0.0.1:5173/callback", *([APP + "/callback"] if APP else [])]
KEY = JsonWebKey.generate_key("RSA", 2048, is_private=True)
KEY_ID = "k1"

app = Flask(__name__)
app.secret_key = secrets.token_hex(32)
app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": ACCESS_SECONDS, "refresh_token": ACCESS_SECONDS}
# Authlib issues no refresh tokens unless told (its default generator for them is off).
app.config["OAUTH2_REFRESH_TOKEN_GENERATOR"] = True


class User:
    def __init__(self, id, username, password):
        self.id, self.username, self.password = id, username, password

    def get_user_id(self):
        return self.id


USERS = {"alice": User(1, "alice", "wonderland")}
BY_ID = {u.id: u for u in USERS.values()}


class Client(ClientMixin):
    """A public client: no secret, PKCE, the code and refresh-token grants."""

    def get_client_id(self):
        return CLIENT_ID

    def get_default_redirect_uri(self):
        return REDIRECT_URIS[0]

    def get_allowed_scope(self, scope):
        allowed = {"openid", "profile", "offline_access"}
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in REDIRECT_URIS

    def check_client_secret(self, client_secret):
        return False

    def check_endpoint_auth_method(self, method, endpoint):
        return method == "none"

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in ("authorization_code", "refresh_token")


CLIENT = Client()


class Code(AuthorizationCodeMixin):
    def __init__(self, code, request, user):
        self.code = code
        self.user_id = user.id
        self.redirect_uri = request.redirect_uri
        self.scope = request.scope
        self.nonce = request.data.get("nonce")
        self.code_challenge = request.data.get("code_challenge")
        self.code_challenge_method = request.data.get("code_challenge_method")
        self.auth_time = int(time.time())

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time


class Token(TokenMixin):
    def __init__(self, data, user_id):
        self.access_token = data["access_token"]
        self.refresh_token = data.get("refresh_token")
        self.scope = data.get("scope", "")
        self.expires_in = data["expires_in"]
        self.issued_at = time.time()
        self.user_id = user_id
        self.revoked = False

    def check_client(self, client):
        return client.get_client_id() == CLIENT_ID

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self):
        return self.revoked


CODES = {}
TOKENS = []  # every token issued, revoked ones included
NONCES = set()


def query_client(client_id):
    return CLIENT if client_id == CLIENT_ID else None


def save_token(data, request):
    user = request.user or BY_ID[request.credential.user_id]
    TOKENS.append(Token(data, user.id))


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["none"]

    def save_authorization_code(self, code, request):
        CODES[code] = Code(code, request, request.user)
        if CODES[code].nonce:
            NONCES.add(CODES[code].nonce)

    def query_authorization_code(self, code, client):
        return CODES.get(code)

    def delete_authorization_code(self, authorization_code):
        CODES.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code):
        return BY_ID[authorization_code.user_id]


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["none"]
    # Authlib leaves the refresh token out of a refresh's answer unless told (ROTATE=0 keeps its default, to show
    # what that does with the revoke_old_credential below, which its docs write so).
    INCLUDE_NEW_REFRESH_TOKEN = os.environ.get("ROTATE", "1") == "1"

    def authenticate_refresh_token(self, refresh_token):
        for token in TOKENS:
            if token.refresh_token == refresh_token and not token.revoked:
                return token

    def authenticate_user(self, credential):
        return BY_ID[credential.user_id]

    def revoke_old_credential(self, credential):
        credential.revoked = True


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ["none"]

    def query_token(self, token_string, token_type_hint):
        for token in TOKENS:
            if token_string in (token.access_token, token.refresh_token):
                return token

    def revoke_token(self, token, request):
        token.revoked = True


class OpenIDConnect(OpenIDCode):
    def exists_nonce(self, nonce, request):
        return nonce in NONCES

    def get_jwt_config(self, grant):
        return {"key": KEY.as_dict(is_private=True, kid=KEY_ID), "alg": "RS256", "iss": issuer(), "exp": 3600}

    def generate_user_info(self, user, scope):
        return UserInfo(sub=str(user.id), name=user.username)


def issuer():
    return request.host_url.rstrip("/")


server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
server.register_grant(AuthorizationCodeGrant, [CodeChallenge(required=True), OpenIDConnect(require_nonce=False)])
server.register_grant(RefreshTokenGrant)
server.register_endpoint(Revocation)


class Validator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        for token in TOKENS:
            if token.access_token == token_string:
                return token


require_oauth = ResourceProtector()
require_oauth.register_token_validator(Validator())


@app.route("/.well-known/openid-configuration")
def discovery():
    base = issuer()
    metadata = OpenIDProviderMetadata(
        issuer=base,
        authorization_endpoint=base + "/oauth/authorize",
        token_endpoint=base + "/oauth/token",
        revocation_endpoint=base + "/oauth/revoke",
        jwks_uri=base + "/oauth/jwks",
        response_types_supported=["code"],
        subject_types_supported=["public"],
        id_token_signing_alg_values_supported=["RS256"],
        code_challenge_methods_supported=["S256"],
        grant_types_supported=["authorization_code", "refresh_token"],
        token_endpoint_auth_methods_supported=["none"],
        scopes_supported=["openid", "profile", "offline_access"],
    )
    metadata.validate()
    return jsonify(dict(metadata))


@app.route("/oauth/jwks")
def jwks():
    return jsonify({"keys": [KEY.as_dict(is_private=False, kid=KEY_ID, use="sig", alg="RS256")]})


LOGIN_FORM = '<form method="post"><input name="username"><input name="password" type="password"><button type="submit">Sign in</button></form>'


@app.route("/oauth/authorize", methods=["GET", "POST"])
def authorize():
    if request.method == "POST":
        user = USERS.get(request.form.get("username"))
        if not user or user.password != request.form.get("password"):
            return LOGIN_FORM, 401
        session["user"] = user.id
        return redirect(request.full_path)
    user = BY_ID.get(session.get("user"))
    if not user:
        return LOGIN_FORM
    # Consent is implied for this first-party client.
    return server.create_authorization_response(grant_user=user)


@app.route("/oauth/token", methods=["POST"])
def issue_token():
    return server.create_token_response()


@app.route("/oauth/revoke", methods=["POST"])
def revoke():
    return server.create_endpoint_response(Revocation.ENDPOINT_NAME)


@app.route("/api/me")
@require_oauth()
def me():
    return jsonify(username=BY_ID[current_token.user_id].username)


if APP:

    @app.after_request
    def cors(response):
        response.headers["Access-Control-Allow-Origin"] = APP
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type, X-Requested-With"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        return response


class Quiet(WSGIRequestHandler):
    def log_request(self, *args):
        pass


# Authlib refuses plain http unless told (the test serves 127.0.0.1 without TLS).
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
http = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
print(http.server_port, flush=True)
http.serve_forever()
