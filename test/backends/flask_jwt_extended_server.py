# A Flask app on Flask-JWT-Extended (Debian's python3-python-flask-jwt-extended), written the way the library's
# documentation does it. For flask.browsers.test.ts, "JWT in cookies": the refresh token in an HttpOnly cookie, checked
# with its double-submit CSRF protection (the X-CSRF-TOKEN header must match the csrf_refresh_token cookie, which
# scripts can read), and the access token in JSON for the Authorization header; the test's page and keycard's bundle
# come from STATIC_DIR, same-origin with the auth endpoints. For recipes.test.ts, a mobile app's /mobile/ endpoints.
# Binds 127.0.0.1 on a free port, prints the port, and exits when its stdin closes, so it never outlives the test.
import os
import sys
import threading
from datetime import timedelta

from flask import Flask, jsonify, request, send_from_directory
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    get_jwt,
    get_jwt_identity,
    jwt_required,
    set_refresh_cookies,
    unset_jwt_cookies,
)
from werkzeug.serving import WSGIRequestHandler, make_server

ACCESS_SECONDS = int(os.environ.get("ACCESS_SECONDS", "300"))

app = Flask(__name__, static_folder=None)
app.config.update(
    JWT_SECRET_KEY="keycard-test-only-" + "k" * 40,
    JWT_TOKEN_LOCATION=["headers", "cookies"],
    JWT_ACCESS_TOKEN_EXPIRES=timedelta(seconds=ACCESS_SECONDS),
    JWT_COOKIE_SECURE=False,  # the test's http://127.0.0.1; https in production
    JWT_COOKIE_SAMESITE="Strict",
    JWT_REFRESH_COOKIE_PATH="/auth/",
)
jwt = JWTManager(app)
USERS = {"alice": "wonderland"}
counts = {"refreshes": 0, "refused": 0}
# The library answers a token it can't verify (a bad signature: the secret rotated, a garbled cookie) with 422, which
# keycard takes for a transient failure (API.md: only 400 and 401 end a session) and retries. The README's recipe
# answers 401 instead; /admin/invalid-status puts the library's default back, to show the difference.
invalid = {"status": 401}


@jwt.invalid_token_loader
def invalid_token(reason):
    return jsonify(msg=reason), invalid["status"]


def token_response(identity):
    return jsonify(access_token=create_access_token(identity=identity), token_type="Bearer", expires_in=ACCESS_SECONDS)


@app.post("/auth/login")
def login():
    body = request.get_json(silent=True) or {}
    if USERS.get(body.get("username")) != body.get("password"):
        return jsonify(msg="bad username or password"), 401
    response = token_response(body["username"])
    set_refresh_cookies(response, create_refresh_token(identity=body["username"]))
    return response


# optional=True: a first visit (no cookie yet) gets 204, keycard's "no session", instead of 401.
@app.post("/auth/refresh")
@jwt_required(refresh=True, locations=["cookies"], optional=True)
def refresh():
    identity = get_jwt_identity()
    if identity is None:
        return "", 204
    counts["refreshes"] += 1
    return token_response(identity)


@app.post("/auth/logout")
def logout():
    response = jsonify(msg="logged out")
    unset_jwt_cookies(response)
    return response


# A mobile app's endpoints (recipes.test.ts): the refresh token in JSON both ways, under the library's default
# key, refresh_token, which is keycard's memory-mode body; logout revokes it through the library's blocklist.
revoked = set()


@jwt.token_in_blocklist_loader
def is_revoked(_header, payload):
    return payload["jti"] in revoked


@app.post("/mobile/login")
def mobile_login():
    body = request.get_json(silent=True) or {}
    if USERS.get(body.get("username")) != body.get("password"):
        return jsonify(msg="bad username or password"), 401
    return jsonify(
        access_token=create_access_token(identity=body["username"]),
        refresh_token=create_refresh_token(identity=body["username"]),
        token_type="Bearer",
        expires_in=ACCESS_SECONDS,
    )


@app.post("/mobile/refresh")
@jwt_required(refresh=True, locations=["json"])
def mobile_refresh():
    counts["refreshes"] += 1
    return token_response(get_jwt_identity())


@app.post("/mobile/logout")
@jwt_required(refresh=True, locations=["json"])
def mobile_logout():
    revoked.add(get_jwt()["jti"])
    return jsonify(msg="logged out")


@app.get("/api/me")
@jwt_required(locations=["headers"])
def me():
    return jsonify(username=get_jwt_identity())


@app.get("/admin/stats")
def stats():
    return jsonify(counts)


@app.post("/admin/rotate-secret")
def rotate_secret():
    app.config["JWT_SECRET_KEY"] += "-rotated"
    return "", 204


@app.post("/admin/invalid-status/<int:status>")
def invalid_status(status):
    invalid["status"] = status
    return "", 204


# Whatever the library refuses (a missing CSRF token, an expired or invalid token) is counted before it answers.
@app.after_request
def count_refusals(response):
    if request.path.startswith("/auth/refresh") and response.status_code in (401, 422):
        counts["refused"] += 1
    return response


@app.get("/")
@app.get("/<path:name>")
def static_files(name="index.html"):
    return send_from_directory(os.environ["STATIC_DIR"], name)


class Quiet(WSGIRequestHandler):
    def log_request(self, *args):
        pass


server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
print(server.port, flush=True)
server.serve_forever()
