"""A real SMTP server for Digna's tests (aiosmtpd), on 127.0.0.1:PORT.

Each message it accepts is parsed with Python's own e-mail package and written to OUT as
NNNN.json: envelope, headers (repeated ones joined by newlines), and every MIME part
(content type, Content-ID, disposition, decoded text, or for binary parts their length and
first bytes). Files in OUT steer it, so a test can make it misbehave:

- `refuse`: holds a number N; the next N messages get "451 try again later" (not stored);
- `hold`: the message is stored, then the answer waits until the file is removed (a test
  kills the sender in between).

Usage: python mailcatcher.py PORT OUT [--starttls CERT KEY | --tls CERT KEY] [--auth USER PASSWORD].
--starttls requires STARTTLS before anything else; --tls speaks TLS from the first byte;
--auth requires that login (over TLS). Each record says whether its session was over TLS
and which login it authenticated as. Prints "ready" once it listens.
"""

import asyncio
import email
import email.policy
import json
import os
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Catcher:
    def __init__(self, out):
        self.out = out
        self.count = 0

    def steer(self, name):
        return os.path.join(self.out, name)

    async def handle_DATA(self, server, session, envelope):
        refuse = self.steer("refuse")
        if os.path.exists(refuse):
            left = int(open(refuse).read().strip() or "0")
            if left > 0:
                with open(refuse, "w") as f:
                    f.write(str(left - 1))
                return "451 4.3.0 Try again later"
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        headers = {}
        for name, value in msg.items():
            headers[name.lower()] = headers[name.lower()] + "\n" + str(value) if name.lower() in headers else str(value)
        parts = []
        for part in msg.walk():
            entry = {"type": part.get_content_type(), "cid": part.get("Content-ID"),
                     "disposition": part.get("Content-Disposition")}
            if not part.is_multipart():
                payload = part.get_payload(decode=True) or b""
                if part.get_content_maintype() == "text":
                    entry["text"] = payload.decode(part.get_content_charset() or "utf-8")
                else:
                    entry["bytes"] = len(payload)
                    entry["head"] = payload[:8].hex()
            parts.append(entry)
        self.count += 1
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        record = {"from": envelope.mail_from, "to": envelope.rcpt_tos, "headers": headers, "parts": parts,
                  "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
                  "login": login}
        path = os.path.join(self.out, f"{self.count:04d}.json")
        with open(path + ".tmp", "w") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(path + ".tmp", path)
        while os.path.exists(self.steer("hold")):
            await asyncio.sleep(0.05)
        return "250 OK"


def main():
    port, out, rest = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    options = {}
    while rest:
        flag = rest.pop(0)
        if flag in ("--starttls", "--tls"):
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(rest.pop(0), rest.pop(0))
            if flag == "--starttls":
                options.update(tls_context=context, require_starttls=True)
            else:
                options.update(ssl_context=context)
        elif flag == "--auth":
            user, password = rest.pop(0).encode(), rest.pop(0).encode()

            def authenticator(server, session, envelope, mechanism, data):
                ok = isinstance(data, LoginPassword) and data.login == user and data.password == password
                # handled=False: aiosmtpd then answers a refusal with 535 itself (by
                # default it leaves the answer to the authenticator, and the client waits).
                return AuthResult(success=ok, handled=False, auth_data=data)

            # aiosmtpd counts only STARTTLS as TLS for AUTH; --tls is TLS from the start.
            implicit = "ssl_context" in options
            options.update(authenticator=authenticator, auth_required=True, auth_require_tls=not implicit)
        else:
            sys.exit(f"unknown option {flag}")
    controller = Controller(Catcher(out), hostname="127.0.0.1", port=port, server_hostname="localhost", **options)
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            asyncio.run(asyncio.sleep(3600))
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
