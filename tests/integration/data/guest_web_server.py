# A web server for the tunnel tests, run inside a sandbox with the guest's python3 (stdlib
# only): HTTP/1.1 keep-alive, a large body, a slow chunked stream and a WebSocket echo.
import base64, hashlib, http.server, socketserver, struct, sys, time

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_body(self, body, kind="text/plain"):
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/":
            self.send_body(b"<html><head><title>vivarium tunnel</title></head>"
                           b"<body><h1 id='greeting'>hello from the sandbox</h1></body></html>",
                           "text/html")
        elif self.path.startswith("/big"):
            n = int(self.path.split("=", 1)[1]) if "=" in self.path else 1 << 20
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            block = bytes(range(256)) * 256
            while n > 0:
                self.wfile.write(block[:min(n, len(block))])
                n -= min(n, len(block))
        elif self.path == "/slow":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(10):
                line = b"tick %d\n" % i
                self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                self.wfile.flush()
                time.sleep(0.2)
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/ws":
            key = self.headers.get("Sec-WebSocket-Key", "")
            accept = base64.b64encode(hashlib.sha1(
                (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", accept)
            self.end_headers()
            self.wfile.flush()
            self.echo_websocket()
            self.close_connection = True
        else:
            self.send_error(404)

    def echo_websocket(self):
        r = self.rfile
        while True:
            head = r.read(2)
            if len(head) < 2:
                return
            opcode, length = head[0] & 0x0F, head[1] & 0x7F
            if length == 126:
                length = struct.unpack(">H", r.read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", r.read(8))[0]
            mask = r.read(4) if head[1] & 0x80 else b"\0\0\0\0"
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(r.read(length)))
            if opcode == 8:
                self.wfile.write(b"\x88\x00")
                return
            if opcode in (1, 2):
                reply = b"echo: " + data
                header = bytes([0x80 | opcode])
                if len(reply) < 126:
                    header += bytes([len(reply)])
                else:
                    header += bytes([126]) + struct.pack(">H", len(reply))
                self.wfile.write(header + reply)
                self.wfile.flush()

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 128

Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
