"""`build.py serve`: dist/ on a local static server with the page's security headers."""

from __future__ import annotations

import contextlib
import http.server
import os
from typing import Any

from .paths import DIST, BuildError

#: Served with every response by `serve`; index.html carries the same policy.
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; "
       "connect-src 'self'; img-src 'self' data: blob:; style-src 'self'; font-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files from dist/ with the page's security headers and wasm MIME type."""

    # the base class's own (instance-annotated) class attribute, extended: RUF012's ClassVar
    # would contradict the base's declaration
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,  # noqa: RUF012
                      ".wasm": "application/wasm", ".mjs": "text/javascript",
                      ".js": "text/javascript", ".json": "application/json",
                      ".webmanifest": "application/manifest+json"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=str(DIST), **kwargs)

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # quiet unless asked
        if os.environ.get("DICOMPEEK_SERVE_LOG"):
            super().log_message(format, *args)


def make_server(host: str = "127.0.0.1", port: int = 8000) -> http.server.ThreadingHTTPServer:
    """A static server for dist/; tries the next ports if ``port`` is taken (0 picks any)."""
    for candidate in ([port] if port == 0 else range(port, port + 20)):
        try:
            return http.server.ThreadingHTTPServer((host, candidate), _Handler)
        except OSError:
            continue
    raise BuildError(f"no free port from {port} to {port + 19}")


def serve(host: str, port: int) -> None:
    server = make_server(host, port)
    host_name, bound_port = server.socket.getsockname()[:2]  # server_address (typeshed: str or bytes)
    url = f"http://{host_name}:{bound_port}/"
    print(f"DICOM Peek is served at {url}  (Ctrl+C stops)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
