#!/usr/bin/env python3
"""A one-directory HTTP file server that honours single `Range: bytes=N-` requests (as
model hosts do), logs each request's Range header to a file, and prints its port."""
import http.server
import os
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = os.path.join(self.server.root, os.path.basename(self.path))
        with open(self.server.log, "a") as log:
            log.write(f"{self.path} range={self.headers.get('Range')}\n")
        if not os.path.isfile(path):
            self.send_error(404)
            return
        data = open(path, "rb").read()
        start = 0
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[len("bytes="):-1])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        self.wfile.write(data[start:])

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
server.root = sys.argv[1]
server.log = sys.argv[2]
print(server.server_address[1], flush=True)
server.serve_forever()
