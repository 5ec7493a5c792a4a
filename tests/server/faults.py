"""Faults we cannot cause with the real server alone: a loopback proxy in front of it."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

import requests


class FaultProxy:
    """A loopback HTTP proxy in a thread: answers the next `fail` requests with `status`
    (503 by default) and forwards everything else to the real server. `hits` records
    (method, path, authorization scheme) of every request it received.

    `rule(method, path)` may pick a fault per request: `"fail"` answers 500 without forwarding,
    an int answers that status without forwarding (e.g. 404: an endpoint an older server lacks),
    `"lose"` forwards (the server does the work) and then drops the connection, so the client
    never hears the answer, and a function forwards and answers with what it makes of the
    server's JSON answer."""

    def __init__(self, upstream: str, rule: Callable[[str, str], Any] | None = None) -> None:
        self.upstream = upstream
        self.rule = rule
        self.hits: list[tuple[str, str, str]] = []
        self.fail = 0
        self.status = 503
        self.headers: dict[str, str] = {}
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                auth = (self.headers.get("Authorization") or "").split(" ", 1)[0]
                with proxy.lock:
                    proxy.hits.append((self.command, self.path, auth))
                    failing = proxy.fail > 0
                    if failing:
                        proxy.fail -= 1
                    action = "fail" if failing else (proxy.rule(self.command, self.path) if proxy.rule else None)
                if action == "fail" or isinstance(action, int):
                    status = proxy.status if failing else 500 if action == "fail" else action
                    envelope = {"id": "x", "status_code": status, "detail": "injected failure"}
                    payload = json.dumps(envelope).encode()
                    self.send_response(status)
                    for k, v in proxy.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                keep = ("authorization", "content-type", "accept")
                fwd = {k: v for k, v in self.headers.items() if k.lower() in keep}
                r = requests.request(self.command, proxy.upstream + self.path, headers=fwd, data=body, timeout=120)
                if action == "lose":  # processed upstream; the answer is lost
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                content = json.dumps(action(r.json())).encode() if callable(action) else r.content
                self.send_response(r.status_code)
                self.send_header("Content-Type", r.headers.get("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def fail_next(self, n: int, status: int = 503, headers: dict[str, str] | None = None) -> None:
        with self.lock:
            self.fail, self.status, self.headers = n, status, dict(headers or {})
            self.hits.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
