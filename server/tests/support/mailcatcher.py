"""A real SMTP server for Digna's tests (aiosmtpd), on 127.0.0.1:PORT.

Each message it accepts is parsed with Python's own e-mail package and written to OUT as
NNNN.json: envelope, headers (repeated ones joined by newlines), and every MIME part
(content type, Content-ID, disposition, decoded text, or for binary parts their length and
first bytes). Files in OUT steer it, so a test can make it misbehave:

- `refuse`: holds a number N; the next N messages get "451 try again later" (not stored);
- `hold`: the message is stored, then the answer waits until the file is removed (a test
  kills the sender in between).

Usage: python mailcatcher.py PORT OUT. Prints "ready" once it listens.
"""

import asyncio
import email
import email.policy
import json
import os
import sys

from aiosmtpd.controller import Controller


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
        record = {"from": envelope.mail_from, "to": envelope.rcpt_tos, "headers": headers, "parts": parts}
        path = os.path.join(self.out, f"{self.count:04d}.json")
        with open(path + ".tmp", "w") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(path + ".tmp", path)
        while os.path.exists(self.steer("hold")):
            await asyncio.sleep(0.05)
        return "250 OK"


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Catcher(out), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            asyncio.run(asyncio.sleep(3600))
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
