"""A mail server for the tests, on 127.0.0.1 (`aiosmtpd` from PyPI).

Every message it is given is parsed with Python's own e-mail library and
appended, as one JSON line, to a file: the envelope, the headers the tests
look at, the MIME type, and the plain text and HTML parts. The file
outlives the server, so a test can stop it and start it again.

Usage: python smtp_server.py PORT FILE   (prints "ready" once it listens)
"""

import json
import signal
import sys
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

HEADERS = [
    "from",
    "to",
    "reply-to",
    "subject",
    "list-unsubscribe",
    "list-unsubscribe-post",
    "auto-submitted",
    "message-id",
    "date",
    "x-balint-kind",
]


class Keep:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": {h: str(message[h]) for h in HEADERS if message[h] is not None},
            "content_type": message.get_content_type(),
            "parts": [part.get_content_type() for part in message.iter_parts()],
            "text": text.get_content() if text is not None else None,
            "html": html.get_content() if html is not None else None,
        }
        with self.lock, open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        return "250 2.0.0 kept"


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Keep(path), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    controller.stop()


if __name__ == "__main__":
    main()
