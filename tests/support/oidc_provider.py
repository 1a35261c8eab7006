"""A small OpenID Connect provider for the single sign-on tests, served on loopback.

It knows one person at a time (``Provider.person``: the claims of whoever "signs in"),
approves every authorization request at once, and signs ID tokens with an RSA key of
its own (RS256), published at its JWKS address as a real provider does.
"""

from __future__ import annotations

import secrets
import threading
import time
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server


class Provider:
    def __init__(self, client_id: str, client_secret: str):
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
        #: The key ID tokens are signed with: another than the published one forges them.
        self.signing_key = self.key
        self.person: dict = {}
        self.codes: dict[str, dict] = {}
        self.app = self._app()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> Provider:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()

    def _app(self) -> Flask:
        app = Flask("oidc-provider")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(
                issuer=self.issuer,
                authorization_endpoint=f"{self.issuer}/authorize",
                token_endpoint=f"{self.issuer}/token",
                jwks_uri=f"{self.issuer}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
            )

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[self.key.as_dict(private=False)])

        @app.get("/authorize")
        def authorize():
            args = request.args
            if args.get("client_id") != self.client_id:
                return "unknown client", 400
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"nonce": args.get("nonce"), "claims": dict(self.person)}
            query = urlencode({"code": code, "state": args.get("state", "")})
            return redirect(f"{args['redirect_uri']}?{query}")

        @app.post("/token")
        def token():
            sent = request.authorization
            client = (sent.username, sent.password) if sent else (
                request.form.get("client_id"), request.form.get("client_secret"))
            if client != (self.client_id, self.client_secret):
                return jsonify(error="invalid_client"), 401
            grant = self.codes.pop(request.form.get("code", ""), None)
            if grant is None:
                return jsonify(error="invalid_grant"), 400
            now = int(time.time())
            claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300,
                      "nonce": grant["nonce"], **grant["claims"]}
            id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims,
                                  self.signing_key)
            return jsonify(access_token=secrets.token_urlsafe(16), token_type="Bearer",
                           expires_in=300, id_token=id_token)

        return app
