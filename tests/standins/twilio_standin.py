"""A local stand-in for a Twilio-style SMS API, for Rapport's tests.

It speaks the documented protocol and nothing more: `POST /2010-04-01/Accounts/{Sid}/Messages.json`
with HTTP Basic auth (SID, token) and the form fields To, From, Body, StatusCallback; a JSON
answer; status callbacks POSTed to StatusCallback (sent, then delivered / undelivered /
failed), each signed with X-Twilio-Signature = base64(HMAC-SHA1(token, URL + the form fields'
names and values sorted by name)). Written with Python's standard library only, apart from
Rapport's own code, so the two implementations check each other.

Numbers decide what happens, as Twilio's test numbers do:
  ...0000  refused at once (400, code 21211: not a valid number)
  ...7777  the gateway is busy (503): try again later
  ...8888  accepted, then failed (30008)
  ...9999  accepted, then undelivered (30003)
  ...5555  accepted (written to the log) but answered only 5 s later: time for a test to kill
           the sender between the gateway taking a message and the sender hearing so
  others   accepted, then delivered

Every accepted message is written as a JSON line to --log. POST /_inbound with the form fields
url, From, To and Body sends a patient's text to `url` as the inbound webhook does, signed.
"""

import argparse
import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def signature(token, url, fields):
    text = url + "".join(k + v for k, v in sorted(fields.items()))
    digest = hmac.new(token.encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def post_signed(token, url, fields):
    body = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    request.add_header("X-Twilio-Signature", signature(token, url, fields))
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code
    except OSError:
        return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--sid", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    lock = threading.Lock()
    expected_auth = "Basic " + base64.b64encode(f"{args.sid}:{args.token}".encode()).decode()

    def report(callback, sid, to, sender):
        time.sleep(0.2)
        base = {"MessageSid": sid, "AccountSid": args.sid, "To": to, "From": sender}
        post_signed(args.token, callback, dict(base, MessageStatus="sent"))
        time.sleep(0.2)
        if to.endswith("9999"):
            final = dict(base, MessageStatus="undelivered", ErrorCode="30003")
        elif to.endswith("8888"):
            final = dict(base, MessageStatus="failed", ErrorCode="30008")
        else:
            final = dict(base, MessageStatus="delivered")
        post_signed(args.token, callback, final)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def answer(self, status, payload):
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            fields = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
            if self.path == "/_inbound":
                url = fields.pop("url")
                self.answer(200, {"status": post_signed(args.token, url, dict(fields, MessageSid="SM" + secrets.token_hex(16)))})
                return
            if self.path != f"/2010-04-01/Accounts/{args.sid}/Messages.json":
                self.answer(404, {"code": 20404, "message": "not found", "status": 404})
                return
            if self.headers.get("Authorization") != expected_auth:
                self.answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
                return
            to, sender, body = fields.get("To", ""), fields.get("From", ""), fields.get("Body", "")
            if to.endswith("0000"):
                self.answer(400, {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400})
                return
            if to.endswith("7777"):
                self.answer(503, {"code": 20503, "message": "Service unavailable", "status": 503})
                return
            sid = "SM" + secrets.token_hex(16)
            with lock, open(args.log, "a", encoding="utf-8") as log:
                log.write(json.dumps({"sid": sid, "to": to, "from": sender, "body": body}) + "\n")
            if to.endswith("5555"):
                time.sleep(5)
            self.answer(201, {"sid": sid, "status": "queued", "to": to, "from": sender, "body": body})
            callback = fields.get("StatusCallback")
            if callback:
                threading.Thread(target=report, args=(callback, sid, to, sender), daemon=True).start()

    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
