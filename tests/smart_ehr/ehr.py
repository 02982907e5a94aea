"""A SMART on FHIR EHR stand-in for the launch tests, run as its own process on loopback:
`python tests/smart_ehr/ehr.py PORT CONFIG.json`. Standard library plus PyJWT/cryptography;
it shares no code with the app. It serves, under iss = http://127.0.0.1:PORT/fhir:

  /fhir/.well-known/smart-configuration, /authorize (an EHR launch: the user is already signed
  in to the EHR, so it answers at once), /token (checks the code, redirect_uri, client and the
  PKCE S256 verifier), /jwks (its ES256 key) and /fhir/Patient/<id> (bearer token required).

CONFIG: {"client_id": "...", "client_secret": "" | "...",
         "launches": {"<launch>": {"patient": "<id>", "fhirUser": "Practitioner/1",
                                   "sign_with": "ehr" | "other"}},
         "patients": {"<id>": {<a FHIR Patient>}}}
A launch with "sign_with": "other" gets an id_token signed with a key the JWKS does not hold.
"""

import base64
import hashlib
import json
import secrets
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

PORT = int(sys.argv[1])
CONFIG = json.loads(open(sys.argv[2]).read())  # noqa: SIM115
BASE = f"http://127.0.0.1:{PORT}"
ISS = f"{BASE}/fhir"
KID = "ehr-key-1"
KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_KEY = ec.generate_private_key(ec.SECP256R1())  # same kid, not in the JWKS
CODES: dict[str, dict] = {}
TOKENS: dict[str, str] = {}  # access token → patient id


def jwks() -> dict:
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(KEY.public_key()))
    return {"keys": [{**jwk, "kid": KID, "alg": "ES256", "use": "sig"}]}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        sys.stderr.write(f"ehr: {self.command} {self.path.split('?')[0]} {args[1:2]}\n")

    def answer(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/fhir/.well-known/smart-configuration":
            return self.answer(
                200,
                {
                    "issuer": ISS,
                    "authorization_endpoint": f"{BASE}/authorize",
                    "token_endpoint": f"{BASE}/token",
                    "jwks_uri": f"{BASE}/jwks",
                    "grant_types_supported": ["authorization_code"],
                    "code_challenge_methods_supported": ["S256"],
                    "scopes_supported": ["openid", "fhirUser", "launch", "patient/*.rs"],
                    "capabilities": [
                        "launch-ehr",
                        "client-public",
                        "client-confidential-symmetric",
                        "context-ehr-patient",
                        "sso-openid-connect",
                        "permission-v2",
                    ],
                },
            )
        if url.path == "/jwks":
            return self.answer(200, jwks())
        if url.path == "/authorize":
            return self.authorize(query)
        if url.path.startswith("/fhir/Patient/"):
            patient_id = url.path.removeprefix("/fhir/Patient/")
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if TOKENS.get(token) != patient_id:
                return self.answer(401, {"resourceType": "OperationOutcome"})
            return self.answer(200, CONFIG["patients"][patient_id])
        return self.answer(404, {"error": "not_found"})

    def authorize(self, query: dict) -> None:
        launch = CONFIG["launches"].get(query.get("launch", ""))
        problems = [
            name
            for name, ok in {
                "response_type": query.get("response_type") == "code",
                "client_id": query.get("client_id") == CONFIG["client_id"],
                "launch": launch is not None,
                "aud": query.get("aud") == ISS,
                "scope": {"launch", "openid", "fhirUser"} <= set(query.get("scope", "").split()),
                "code_challenge_method": query.get("code_challenge_method") == "S256",
                "code_challenge": len(query.get("code_challenge", "")) == 43,
                "state": bool(query.get("state")),
                "redirect_uri": bool(query.get("redirect_uri")),
            }.items()
            if not ok
        ]
        if problems:
            return self.answer(400, {"error": "invalid_request", "fields": problems})
        code = secrets.token_urlsafe(24)
        CODES[code] = {**query, "context": launch, "at": time.time()}
        target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):  # noqa: N802
        if urlsplit(self.path).path != "/token":
            return self.answer(404, {"error": "not_found"})
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        client_id = form.get("client_id")
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            if secret != CONFIG.get("client_secret"):
                return self.answer(401, {"error": "invalid_client"})
        elif CONFIG.get("client_secret"):
            return self.answer(401, {"error": "invalid_client"})
        issued = CODES.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if (
            issued is None
            or time.time() - issued["at"] > 60
            or form.get("grant_type") != "authorization_code"
            or client_id != CONFIG["client_id"]
            or form.get("redirect_uri") != issued["redirect_uri"]
            or challenge.rstrip(b"=").decode() != issued["code_challenge"]
        ):
            return self.answer(400, {"error": "invalid_grant"})
        context = issued["context"]
        access_token = secrets.token_urlsafe(32)
        TOKENS[access_token] = context["patient"]
        now = int(time.time())
        claims = {
            "iss": ISS,
            "sub": context["fhirUser"].replace("/", "-"),
            "aud": CONFIG["client_id"],
            "iat": now,
            "exp": now + 300,
            "fhirUser": f"{ISS}/{context['fhirUser']}",
        }
        key = OTHER_KEY if context.get("sign_with") == "other" else KEY
        id_token = jwt.encode(claims, key, algorithm="ES256", headers={"kid": KID})
        return self.answer(
            200,
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": issued["scope"],
                "id_token": id_token,
                "patient": context["patient"],
            },
            {"Cache-Control": "no-store"},
        )


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    print(f"SMART EHR stand-in at {ISS}", flush=True)
    server.serve_forever()
