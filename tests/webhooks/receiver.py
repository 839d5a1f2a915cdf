"""A webhook receiver for the tests, on 127.0.0.1.

Every delivery to /hook/<name> is checked with the independent Standard
Webhooks library (`standardwebhooks` from PyPI): its webhook-id,
webhook-timestamp (within five minutes) and webhook-signature over the
body with the secret the test set for <name>. The receiver deduplicates by
webhook-id, as a receiver should: a repeat is answered 200 and counted, not
taken again.

The test drives it over HTTP:
  PUT /control/<name>   {"secret": "whsec_...", "answers": [500, 500, 500],
                         "hang_ms": 0, "hangs": 0}
      answer the first deliveries with these statuses (then 200); hold the
      first `hangs` deliveries `hang_ms` before answering.
  GET /control/<name>   what arrived: every request (its webhook-id,
                        whether it verified, the status answered, the body)
                        and the ids taken, in order.

Usage: python receiver.py   (prints the port it listens on, then serves)
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

LOCK = threading.Lock()
HOOKS = {}


def hook(name):
    return HOOKS.setdefault(
        name,
        {"secret": None, "answers": [], "hang_ms": 0, "hangs": 0, "requests": [], "taken": []},
    )


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def body(self):
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length)

    def answer(self, status, value=None):
        # A 204 has no body: bytes after it would be read as the start of
        # the next answer on the same connection.
        data = b"" if status == 204 else json.dumps(value if value is not None else {}).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        if not self.path.startswith("/control/"):
            return self.answer(404)
        settings = json.loads(self.body())
        with LOCK:
            h = hook(self.path[len("/control/"):])
            for key in ("secret", "answers", "hang_ms", "hangs"):
                if key in settings:
                    h[key] = settings[key]
        self.answer(204)

    def do_GET(self):
        if not self.path.startswith("/control/"):
            return self.answer(404)
        with LOCK:
            h = hook(self.path[len("/control/"):])
            self.answer(200, {"requests": h["requests"], "taken": h["taken"]})

    def do_POST(self):
        if not self.path.startswith("/hook/"):
            return self.answer(404)
        data = self.body()
        with LOCK:
            h = hook(self.path[len("/hook/"):])
            secret = h["secret"]
            hang = h["hang_ms"] if h["hangs"] > 0 else 0
            if hang:
                h["hangs"] -= 1
        record = {"id": self.headers.get("webhook-id"), "verified": False}
        try:
            if secret is None:
                raise WebhookVerificationError("no secret set for this hook")
            record["body"] = Webhook(secret).verify(data, dict(self.headers.items()))
            record["verified"] = True
        except (WebhookVerificationError, ValueError) as e:
            record["error"] = str(e)
        if hang:
            record["held_ms"] = hang
            with LOCK:
                h["requests"].append(dict(record, status=None))
            time.sleep(hang / 1000)
            with LOCK:
                h["requests"].pop(h["requests"].index(dict(record, status=None)))
        with LOCK:
            if not record["verified"]:
                status = 400
            elif h["answers"]:
                status = h["answers"].pop(0)
            else:
                status = 200
            record["status"] = status
            h["requests"].append(record)
            if 200 <= status < 300 and record["id"] not in h["taken"]:
                h["taken"].append(record["id"])
        self.answer(status, {"ok": 200 <= status < 300})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
