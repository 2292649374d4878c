"""Turning a :class:`~nieuwsradar.digest.build.Digest` into an e-mail (Dutch).

The message is ``multipart/alternative``: a plain-text part readable on its own and an
HTML part made for mail clients (table layout, CSS inlined by css-inline with the media
queries kept, explicit colours, 600 px on a desktop and fluid on a phone, no remote
resources, no scripts). Headers follow RFC 8058 (one-click unsubscribe) and RFC 3834
(Auto-Submitted). With DKIM settings the message is signed, the List-Unsubscribe
headers included in ``h=``.
"""

from __future__ import annotations

import quopri
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from email.header import Header
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import css_inline
import dkim
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from nieuwsradar.config import Settings
from nieuwsradar.digest.build import Digest
from nieuwsradar.digest.tokens import make_token
from nieuwsradar.types import Member

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")
DKIM_HEADERS = (b"from", b"to", b"subject", b"date", b"message-id", b"reply-to", b"list-id",
                b"list-unsubscribe", b"list-unsubscribe-post", b"auto-submitted",
                b"mime-version", b"content-type")
CRLF = "\r\n"
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


@dataclass(frozen=True, slots=True)
class MailConfig:
    """What composing a digest needs from the settings."""

    sender: str
    base_url: str
    secret_key: str
    reply_to: str = ""
    unsubscribe_mailto: str = ""
    dkim_key: bytes | None = None
    dkim_selector: str = ""
    dkim_domain: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> MailConfig:
        """Read the mail settings (and the DKIM key file, when one is set)."""
        key = Path(settings.dkim_key).read_bytes() if settings.dkim_key else None
        return cls(sender=settings.mail_from, base_url=settings.base_url,
                   secret_key=settings.secret_key, reply_to=settings.reply_to,
                   unsubscribe_mailto=settings.unsubscribe_mailto, dkim_key=key,
                   dkim_selector=settings.dkim_selector, dkim_domain=settings.dkim_domain)

    @property
    def sender_address(self) -> str:
        """The bare address of the sender."""
        return parseaddr(self.sender)[1]

    @property
    def sender_name(self) -> str:
        """The display name of the sender (``Nieuwsradar`` when there is none)."""
        return parseaddr(self.sender)[0] or "Nieuwsradar"

    @property
    def mail_domain(self) -> str:
        """The domain of the sender address (Message-ID and List-Id use it)."""
        return self.sender_address.rpartition("@")[2] or "localhost"


@dataclass(frozen=True, slots=True)
class Composed:
    """A ready message: its bytes for SMTP (signed when DKIM is set) and its parts."""

    message_id: str
    subject: str
    recipient: str
    text: str
    html: str
    data: bytes
    item_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Links:
    """The addresses every digest links to."""

    base_url: str
    manage: str
    unsubscribe: str
    unsubscribe_mailto: str

    def item(self, item_id: int) -> str:
        """The item's page in the web app."""
        return f"{self.base_url}/item/{item_id}"


def member_links(mail: MailConfig, member: Member) -> Links:
    """The signed manage and unsubscribe links of a member, and the mailto address."""
    manage = make_token(mail.secret_key, "manage", member.id, member.email)
    leave = make_token(mail.secret_key, "unsubscribe", member.id, member.email)
    mailto = mail.unsubscribe_mailto or mail.sender_address
    return Links(
        base_url=mail.base_url,
        manage=f"{mail.base_url}/digest/abonnement/{manage}",
        unsubscribe=f"{mail.base_url}/digest/afmelden/{leave}",
        unsubscribe_mailto=(f"mailto:{mailto}?subject="
                            f"{quote('afmelden nieuwsradar ' + member.email)}"))


def dutch_date(day: date, *, year: bool = True) -> str:
    """``7 december 2026`` (or without the year)."""
    text = f"{day.day} {MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def dutch_list(words: list[str]) -> str:
    """``a``, ``a en b``, ``a, b en c``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} en {words[-1]}"


def subject_of(digest: Digest) -> str:
    """``Nieuwsradar week 49: 12 berichten over handhaving en ondermijning``."""
    head = f"Nieuwsradar week {digest.week.number}"
    if digest.is_empty:
        return f"{head}: deze week geen nieuwe berichten"
    topics = [s.key if s.kind == "domain" else f"‘{s.key}’" for s in digest.sections
              if s.kind != "trending"]
    if len(topics) > 3:
        topics = [*topics[:2], "meer"]
    count = digest.chosen_count
    return f"{head}: {count} {'bericht' if count == 1 else 'berichten'} over {dutch_list(topics)}"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("nieuwsradar.digest", "templates"),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["dutch_date"] = dutch_date
    return env


def render(digest: Digest, member: Member, links: Links, sender_name: str) -> tuple[str, str]:
    """The (plain text, HTML with inlined CSS) bodies of a digest."""
    week = digest.week
    context = {
        "digest": digest, "member": member, "links": links, "sender_name": sender_name,
        "subject": subject_of(digest),
        "period": f"{dutch_date(week.first_day, year=False)} – {dutch_date(week.last_day)}",
        "subscribed": dutch_list(list(digest.domains) + [f"‘{q}’" for q in digest.searches])
        if (digest.domains or digest.searches) else "geen onderwerpen",
    }
    env = _environment()
    text = env.get_template("digest.txt").render(context)
    html = _INLINER.inline(env.get_template("digest.html").render(context))
    return text, html


def _header(value: str) -> str:
    """A header value: ASCII as it is (URLs stay unfolded), else RFC 2047 encoded words."""
    return value if value.isascii() else Header(value, "utf-8").encode(linesep=CRLF)


def _part(subtype: str, body: str) -> bytes:
    """One ``text/*`` part, UTF-8, quoted-printable (lines of at most 76 characters, so
    no relay has to re-encode it and break the DKIM signature)."""
    encoded = quopri.encodestring("\n".join(body.splitlines()).encode() + b"\n")
    return (f"Content-Type: text/{subtype}; charset=\"utf-8\"\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n").encode() \
        + encoded.replace(b"\n", b"\r\n")


def compose(digest: Digest, member: Member, mail: MailConfig, *, now: datetime) -> Composed:
    """The complete message for ``member``: headers, both parts, DKIM signature.

    The MIME structure is written directly (a fixed ``multipart/alternative`` of two
    quoted-printable parts): the same bytes the stdlib's EmailMessage makes, at a fifth
    of its cost, which matters when a thousand members are sent in one run.
    """
    links = member_links(mail, member)
    text, html = render(digest, member, links, mail.sender_name)
    subject = subject_of(digest)
    message_id = make_msgid(idstring=f"digest.{digest.week.label}.{member.id}",
                            domain=mail.mail_domain)
    list_name = f"{member.network} Nieuwsradar".strip()
    network = "".join(c for c in member.network.lower() if c.isascii() and c.isalnum())
    sender_name, sender_address = parseaddr(mail.sender)
    headers = [
        ("From", formataddr((sender_name, sender_address), charset="utf-8")),
        ("To", formataddr((member.name, member.email), charset="utf-8")),
        *([("Reply-To", formataddr(parseaddr(mail.reply_to), charset="utf-8"))]
          if mail.reply_to else []),
        ("Subject", _header(subject)),
        ("Date", format_datetime(now)),
        ("Message-ID", message_id),
        ("List-Id", f"{_header(list_name)} <nieuwsradar-{network or 'leden'}."
                    f"{mail.mail_domain}>"),
        ("List-Unsubscribe", f"<{links.unsubscribe}>, <{links.unsubscribe_mailto}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ("Auto-Submitted", "auto-generated"),
        ("X-Auto-Response-Suppress", "OOF, AutoReply"),
        ("MIME-Version", "1.0"),
    ]
    boundary = f"=_nieuwsradar_{secrets.token_hex(12)}"
    head = "".join(f"{name}: {value}{CRLF}" for name, value in headers)
    head += f'Content-Type: multipart/alternative; boundary="{boundary}"{CRLF}{CRLF}'
    data = b"".join([
        head.encode("ascii"), f"--{boundary}{CRLF}".encode(), _part("plain", text),
        f"{CRLF}--{boundary}{CRLF}".encode(), _part("html", html),
        f"{CRLF}--{boundary}--{CRLF}".encode()])
    if mail.dkim_key:
        data = dkim.sign(data, mail.dkim_selector.encode(), mail.dkim_domain.encode(),
                         mail.dkim_key, include_headers=list(DKIM_HEADERS)) + data
    return Composed(message_id=message_id, subject=subject, recipient=member.email,
                    text=text, html=html, data=data, item_ids=tuple(digest.item_ids))
