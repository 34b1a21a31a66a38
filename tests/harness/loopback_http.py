"""An HTTP server on 127.0.0.1 with a port of its own, serving a handler class in a daemon thread."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LoopbackHTTPServer:
    def __init__(self, handler: type[BaseHTTPRequestHandler], port: int = 0):
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()
