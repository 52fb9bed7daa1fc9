#!/usr/bin/env python3
"""A token server for docker-registry's `auth: token:` mode, for tests (Python 3 stdlib only).

It does what a real one does (Docker Hub's auth.docker.io, the distribution token spec):
GET /token?service=S&scope=repository:NAME:ACTIONS[&scope=…] answers {"token","access_token",
"expires_in","issued_at"}; the token is an RS256 JWT whose header carries the signing
certificate in `x5c` (the certificate is the registry's rootcertbundle, so the registry
trusts it). Basic credentials are checked: the right ones get the actions they ask for, wrong
ones get 401, none get a token without access (anonymous, as Docker Hub does; the registry
then answers 401 insufficient_scope). Signing runs `openssl dgst -sha256 -sign KEY`.

Every request is appended to --log as one JSON line ({"scope": [...], "user": …, "status": …})
so a test can count token requests. It prints "listening PORT" on stdout once it listens.
"""
import argparse
import base64
import http.server
import json
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--key", required=True)
    ap.add_argument("--cert-der", required=True)
    ap.add_argument("--issuer", required=True)
    ap.add_argument("--service", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--expires-in", type=int, default=300)
    args = ap.parse_args()

    with open(args.cert_der, "rb") as f:
        cert_b64 = base64.b64encode(f.read()).decode()
    log_lock = threading.Lock()

    def sign(claims: dict) -> str:
        header = {"typ": "JWT", "alg": "RS256", "x5c": [cert_b64]}
        signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                         b64url(json.dumps(claims, separators=(",", ":")).encode()))
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", args.key],
                             input=signing_input.encode(), capture_output=True, check=True).stdout
        return signing_input + "." + b64url(sig)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):  # quiet: the JSON log is what tests read
            pass

        def answer(self, status: int, body: dict, user, scopes) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="vivarium-test-token"')
            self.end_headers()
            self.wfile.write(data)
            with log_lock, open(args.log, "a") as f:
                f.write(json.dumps({"scope": scopes, "user": user, "status": status}) + "\n")

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            scopes = query.get("scope", [])
            if url.path != "/token":
                return self.answer(404, {"error": "not found"}, None, scopes)
            user = None
            auth = self.headers.get("Authorization", "")
            if auth.lower().startswith("basic "):
                try:
                    user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                except Exception:
                    return self.answer(400, {"error": "bad Authorization header"}, None, scopes)
                if user != args.user or password != args.password:
                    return self.answer(401, {"details": "incorrect username or password"},
                                       user, scopes)
            if query.get("service", [""])[0] != args.service:
                return self.answer(400, {"error": "unknown service"}, user, scopes)
            access = []
            if user is not None:
                for scope in scopes:
                    parts = scope.split(":")
                    if len(parts) >= 3 and parts[0] == "repository":
                        access.append({"type": "repository", "name": ":".join(parts[1:-1]),
                                       "actions": parts[-1].split(",")})
            now = int(time.time())
            token = sign({"iss": args.issuer, "sub": user or "", "aud": args.service,
                          "exp": now + args.expires_in, "nbf": now - 10, "iat": now,
                          "jti": uuid.uuid4().hex, "access": access})
            # Both names, as Docker Hub's token service sends them.
            self.answer(200, {"token": token, "access_token": token,
                              "expires_in": args.expires_in,
                              "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))},
                        user, scopes)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("listening", server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
