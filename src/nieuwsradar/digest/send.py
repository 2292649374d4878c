"""Delivering digests over SMTP exactly once.

The send log (storage) is the memory; this module is the careful hand that uses it:

1. Only one run sends at a time: :func:`send_lock` takes an exclusive ``flock`` on a file
   beside the database (the kernel drops it when a run dies, even by ``kill -9``).
2. Before the message goes to the server, the run commits 'sending' for (member, week)
   (:meth:`SendLog.claim_send`); after the server's 250 it commits 'sent'.
3. A failure before the message text was handed over (connection refused, a 4xx reply to
   MAIL/RCPT/DATA) is *temporary*: retried with backoff, else left 'pending' for the next
   run. A 5xx reply is *permanent* for that member: 'failed', with the server's words.
   A connection lost while the text was being handed over is *uncertain*: it may have
   arrived, so it is never resent automatically.
4. A run that dies between 2 and the commit of 'sent' leaves 'sending' behind; the next
   run (holding the lock, so nothing is in flight) marks it 'uncertain'.

The phases of one delivery are driven by hand (MAIL, RCPT, DATA, text, reply) instead of
``sendmail`` so the moment the text leaves is known exactly.
"""

from __future__ import annotations

import fcntl
import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal, Protocol

from nieuwsradar.errors import NieuwsradarError

Security = Literal["none", "starttls", "tls"]
RETRY_DELAYS_S: tuple[float, ...] = (2.0, 10.0, 30.0)


class DeliveryError(NieuwsradarError):
    """One message could not be delivered; ``kind`` says what that means for the log."""

    def __init__(self, kind: Literal["temporary", "permanent", "uncertain"], message: str,
                 *, connection: bool = False) -> None:
        self.kind = kind
        self.connection = connection
        """True when the server could not be reached at all (stop the run, retry later)."""
        super().__init__(message)


class SendLocked(NieuwsradarError):
    """Another run is sending digests right now."""


class SmtpConfigError(NieuwsradarError):
    """The SMTP server refused our login or our sender: no member can be sent to."""


class SendLog(Protocol):
    """What delivery needs of the send log (storage implements it)."""

    def claim_send(self, member_id: int, period: str, message_id: str, subject: str,
                   item_ids: list[int] | tuple[int, ...]) -> bool: ...

    def finish_send(self, member_id: int, period: str, status: Literal[
            "sent", "pending", "failed", "uncertain"], error: str | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class Outbound:
    """One message to deliver to one member for one week."""

    member_id: int
    period: str
    sender: str
    recipient: str
    message_id: str
    subject: str
    item_ids: tuple[int, ...]
    data: bytes


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) \
        else str(exc.smtp_error)
    return f"{exc.smtp_code} {' '.join(text.split())}"


class SmtpTransport:
    """One reusable SMTP connection with STARTTLS/TLS and login, opened on first use."""

    def __init__(self, host: str, port: int, security: Security = "starttls", user: str = "",
                 password: str = "", *, timeout_s: float = 60.0,
                 tls_context: ssl.SSLContext | None = None) -> None:
        self.host, self.port, self.security = host, port, security
        self.user, self.password = user, password
        self.timeout_s = timeout_s
        self.tls_context = tls_context or ssl.create_default_context()
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        where = f"SMTP-server {self.host}:{self.port}"
        try:
            if self.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s,
                                                      context=self.tls_context)
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
            # Without TCP_NODELAY the last segment of each message waits for the server's
            # delayed ACK (Nagle): ~40 ms per message, most of a run's time.
            if smtp.sock is not None:
                smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            smtp.ehlo()
            if self.security == "starttls":
                smtp.starttls(context=self.tls_context)
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password)
        except smtplib.SMTPAuthenticationError as exc:
            raise SmtpConfigError(f"{where} weigerde de aanmelding als {self.user!r} "
                                  f"({_reply(exc)}); controleer smtp_user en smtp_password"
                                  ) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise SmtpConfigError(f"{where}: {exc}; controleer smtp_security") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError("temporary", f"{where} niet bereikbaar: {exc}",
                                connection=True) from None
        return smtp

    def close(self) -> None:
        """Say QUIT (when connected) and forget the connection."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def deliver(self, sender: str, recipient: str, data: bytes) -> None:
        """Hand one message to the server; DeliveryError says how it failed."""
        reused = self._smtp is not None
        while True:
            if self._smtp is None:
                self._smtp = self._connect()
            smtp = self._smtp
            try:
                self._envelope(smtp, sender, recipient)
                break
            except (OSError, smtplib.SMTPException) as exc:
                self.close()
                if reused:  # the server closed an idle connection meanwhile: reconnect once
                    reused = False
                    continue
                raise DeliveryError("temporary", f"verbinding verbroken: {exc}",
                                    connection=True) from None
        payload = re.sub(rb"(?m)^\.", b"..", data)
        if not payload.endswith(b"\r\n"):
            payload += b"\r\n"
        try:
            smtp.send(payload + b".\r\n")
            code, reply = smtp.getreply()
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise DeliveryError("uncertain", f"verbinding verbroken tijdens het verzenden: "
                                f"{exc}") from None
        if code != 250:
            self._fail_reply(smtp, code, reply)

    def _envelope(self, smtp: smtplib.SMTP, sender: str, recipient: str) -> None:
        """MAIL FROM, RCPT TO and DATA up to the server's 354 (nothing sent yet)."""
        code, reply = smtp.mail(sender)
        if code != 250:
            if code >= 500:
                smtp.rset()
                raise SmtpConfigError(f"SMTP-server weigert afzender {sender}: {code} "
                                      f"{reply.decode('utf-8', 'replace')}")
            self._fail_reply(smtp, code, reply)
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            self._fail_reply(smtp, code, reply)
        code, reply = smtp.docmd("DATA")
        if code != 354:
            self._fail_reply(smtp, code, reply)

    @staticmethod
    def _fail_reply(smtp: smtplib.SMTP, code: int, reply: bytes) -> None:
        try:
            smtp.rset()
        except (OSError, smtplib.SMTPException):
            smtp.close()
        text = f"{code} {' '.join(reply.decode('utf-8', 'replace').split())}"
        raise DeliveryError("permanent" if code >= 500 else "temporary", text)


class Pacer:
    """Keeps at most ``per_minute`` messages a minute (0 = no limit), evenly spaced."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self._clock, self._sleep = clock, sleep
        self._next = 0.0

    def wait(self) -> None:
        """Block until the next message may go."""
        if not self.interval:
            return
        now = self._clock()
        if now < self._next:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


Outcome = Literal["sent", "pending", "failed", "uncertain", "skipped"]


def deliver_once(log: SendLog, transport: SmtpTransport, out: Outbound, *,
                 retry_delays: tuple[float, ...] = RETRY_DELAYS_S,
                 sleep: Callable[[float], None] = time.sleep) -> tuple[Outcome, str | None]:
    """Claim (member, week) in the log, deliver with retries, record the outcome.

    Returns the outcome and the error text. 'skipped' means the week was already
    claimed (sent, failed, uncertain). A connection failure that outlasts the retries is
    re-raised (after the row went back to 'pending') so the caller stops the run; so is
    SmtpConfigError.
    """
    if not log.claim_send(out.member_id, out.period, out.message_id, out.subject, out.item_ids):
        return "skipped", None
    for attempt in range(len(retry_delays) + 1):
        try:
            transport.deliver(out.sender, out.recipient, out.data)
        except SmtpConfigError as exc:
            log.finish_send(out.member_id, out.period, "pending", str(exc))
            raise
        except DeliveryError as exc:
            if exc.kind == "temporary" and attempt < len(retry_delays):
                sleep(retry_delays[attempt])
                continue
            status: Outcome = "pending" if exc.kind == "temporary" else (
                "failed" if exc.kind == "permanent" else "uncertain")
            log.finish_send(out.member_id, out.period, status, str(exc))  # type: ignore[arg-type]
            if exc.connection:
                raise
            return status, str(exc)
        log.finish_send(out.member_id, out.period, "sent")
        return "sent", None
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def send_lock(path: Path) -> Iterator[None]:
    """Hold the exclusive send lock at ``path`` for the block; SendLocked when taken."""
    handle: IO[str] = path.open("a")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SendLocked("er is al een verzending van de digest bezig (een ander "
                             "proces houdt " + str(path) + " vast); wacht tot die klaar is"
                             ) from None
        yield
    finally:
        handle.close()

