"""A stub of an EHR's FHIR server on loopback (a thread), for the CDS Hooks service's reads of
`fhirServer`: it answers GET Patient/<id> and QuestionnaireResponse?… with the resources it
was given, records each request (path, query, Authorization), and can wait before answering."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FhirStub:
    def __init__(self, *, patient: dict | None = None, responses: list[dict] | None = None,
                 delay: float = 0.0, status: int = 200, port: int = 0):  # fmt: skip
        self.patient = patient
        self.responses = responses or []
        self.delay = delay
        self.status = status
        self.requests: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle's algorithm on, the body waits
            # for the client's delayed ACK of the headers (~40 ms on Linux) on a kept-alive
            # connection: a stall of the stub, not of a real FHIR server.
            disable_nagle_algorithm = True

            def do_GET(self):  # noqa: N802 (the standard library's name)
                parts = urlsplit(self.path)
                stub.requests.append(
                    {
                        "path": parts.path,
                        "query": parse_qs(parts.query),
                        "authorization": self.headers.get("Authorization"),
                    }
                )
                if stub.delay:
                    time.sleep(stub.delay)
                body, status = stub.answer(parts.path)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/fhir"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, path: str) -> tuple[dict, int]:
        if self.status != 200:
            return {"resourceType": "OperationOutcome", "issue": []}, self.status
        if path.startswith("/fhir/Patient/") and self.patient is not None:
            return self.patient, 200
        if path == "/fhir/QuestionnaireResponse":
            return {
                "resourceType": "Bundle",
                "type": "searchset",
                "total": len(self.responses),
                "entry": [{"resource": r} for r in self.responses],
            }, 200
        return {"resourceType": "OperationOutcome", "issue": []}, 404

    def __enter__(self) -> FhirStub:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
