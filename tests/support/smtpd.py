"""A real SMTP server on 127.0.0.1 for tests and benchmarks (aiosmtpd), with STARTTLS and AUTH.

It records every message it accepted. ``delay_s`` holds the reply to DATA after the
message was recorded (so a client killed then leaves a message that did arrive);
``reject`` maps a recipient to a reply (``"550 5.1.1 onbekend"`` or a 4xx) given at RCPT.
The certificate is self-signed for ``localhost``, made with the openssl command; point a
client at it with ``SSL_CERT_FILE``::

    cert = make_certificate(tmp_path)
    with SmtpServer(cert, user="radar", password="geheim") as smtp:
        ... send to localhost:smtp.port with STARTTLS ...
        assert len(smtp.messages) == 1
"""

from __future__ import annotations

import email
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

__all__ = ["Certificate", "SmtpServer", "free_port", "make_certificate"]


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate and key for localhost."""

    cert: Path
    key: Path


def make_certificate(folder: Path) -> Certificate:
    """Make a self-signed RSA certificate for localhost / 127.0.0.1 in ``folder``."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True)
    return Certificate(cert, key)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, srv: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        reply = self.server.reject.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, srv: Any, session: Any, envelope: Any) -> str:
        with self.server.lock:
            self.server.received.append((list(envelope.rcpt_tos),
                                         bytes(envelope.original_content or b"")))
        if self.server.delay_s:
            time.sleep(self.server.delay_s)  # blocks the server loop: one slow server
        return "250 Message accepted"


class SmtpServer:
    """A recording SMTP server on 127.0.0.1 (STARTTLS required when a cert is given)."""

    def __init__(self, certificate: Certificate | None = None, *, user: str = "",
                 password: str = "", port: int | None = None, delay_s: float = 0.0) -> None:
        self.port = port or free_port()
        self.delay_s = delay_s
        self.reject: dict[str, str] = {}
        self.received: list[tuple[list[str], bytes]] = []
        self.lock = threading.Lock()
        self.logins: list[str] = []
        kwargs: dict[str, Any] = {}
        if certificate is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(certificate.cert, certificate.key)
            kwargs.update(tls_context=context, require_starttls=True)
        if user:
            def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                             auth_data: Any) -> AuthResult:
                ok = (isinstance(auth_data, LoginPassword)
                      and auth_data.login.decode() == user
                      and auth_data.password.decode() == password)
                if ok:
                    self.logins.append(user)
                return AuthResult(success=ok, handled=False)

            kwargs.update(authenticator=authenticate, auth_require_tls=certificate is not None)
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                      server_hostname="localhost", **kwargs)

    def start(self) -> SmtpServer:
        """Start listening (returns self)."""
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self._controller.stop()

    @property
    def messages(self) -> list[tuple[list[str], Message, bytes]]:
        """Every accepted message as (recipients, parsed message, raw bytes), in order
        (parsed here, not while serving, so the server stays fast)."""
        with self.lock:
            received = list(self.received)
        return [(tos, email.message_from_bytes(raw), raw) for tos, raw in received]

    def recipients(self) -> list[str]:
        """The recipient of every accepted message, in order."""
        with self.lock:
            return [to for tos, _ in self.received for to in tos]

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _serve_until_stdin_closes() -> None:
    """``python smtpd.py CERT KEY PORT``: serve (STARTTLS, AUTH radar/geheim) in a process
    of its own, print ``ready``, and print the number of accepted messages when stdin
    closes, with the CPU seconds the server used (benchmarks: the server then does not
    compete with the client for the GIL)."""
    import sys

    cert, key, port = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    with SmtpServer(Certificate(cert, key), user="radar", password="geheim", port=port) as smtp:
        print("ready", flush=True)
        sys.stdin.read()
        print(len(smtp.received), time.process_time(), flush=True)


if __name__ == "__main__":
    _serve_until_stdin_closes()
