"""A fake CAPTCHA verification API on loopback that answers like the providers' documented
siteverify endpoints (Turnstile, hCaptcha, reCAPTCHA v2/v3): a form-encoded POST of secret,
response and remoteip; JSON with success, error-codes and, for v3 tokens, a score."""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

SECRET = "0x-test-secret"
# token -> (success, score): "good" passes, "bad" is an unsolved/expired token, "low" a v3 bot score
TOKENS = {"good": (True, 0.9), "low": (True, 0.1), "bad": (False, None)}


@dataclass
class FakeVerifier:
    url: str
    requests: list = field(default_factory=list)


def start_fake_verifier() -> tuple[FakeVerifier, ThreadingHTTPServer]:
    verifier = FakeVerifier(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            verifier.requests.append({"path": self.path, **form})
            success, score = TOKENS.get(form.get("response", ""), (False, None))
            if form.get("secret") != SECRET:
                answer = {"success": False, "error-codes": ["invalid-input-secret"]}
            elif not success:
                answer = {"success": False, "error-codes": ["invalid-input-response"]}
            else:
                answer = {"success": True, "challenge_ts": "2030-03-14T09:30:00Z", "hostname": "shop.example"}
                if self.path.startswith("/recaptcha"):
                    answer.update(score=score, action="submit")
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    verifier.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return verifier, server
