"""Signed tokens for the links in a digest: unsubscribe and the member's own page.

A token carries the member id and e-mail, signed with the secret key (itsdangerous) and
a purpose of its own, so an unsubscribe token cannot open the subscription page or the
other way round, and a changed e-mail address invalidates old links. Tokens stay valid
for :data:`MAX_AGE_S`: digests are opened months later, and RFC 8058 expects the
unsubscribe address to keep working.
"""

from __future__ import annotations

from typing import Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from nieuwsradar.errors import InputError

Purpose = Literal["unsubscribe", "manage"]
MAX_AGE_S = 400 * 24 * 3600


class BadToken(InputError):
    """A link token is forged, altered, for another purpose or expired."""

    def __init__(self, reason: Literal["expired", "invalid"]) -> None:
        self.reason = reason
        super().__init__("deze link is verlopen" if reason == "expired"
                         else "deze link is ongeldig of beschadigd")


def _serializer(secret_key: str, purpose: Purpose) -> URLSafeTimedSerializer:
    if not secret_key:
        raise InputError("no secret key: links cannot be signed or checked")
    return URLSafeTimedSerializer(secret_key, salt=f"nieuwsradar.digest.{purpose}")


def make_token(secret_key: str, purpose: Purpose, member_id: int, email: str) -> str:
    """A URL-safe signed token for ``purpose`` naming the member."""
    return str(_serializer(secret_key, purpose).dumps([member_id, email.lower()]))


def read_token(secret_key: str, purpose: Purpose, token: str,
               max_age_s: int | None = None) -> tuple[int, str]:
    """(member id, e-mail) from a token; BadToken when it is not ours, altered or expired
    (older than ``max_age_s``, default :data:`MAX_AGE_S`)."""
    age = MAX_AGE_S if max_age_s is None else max_age_s
    try:
        value = _serializer(secret_key, purpose).loads(token, max_age=age)
    except SignatureExpired:
        raise BadToken("expired") from None
    except BadSignature:
        raise BadToken("invalid") from None
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], int)
            or not isinstance(value[1], str)):
        raise BadToken("invalid")
    return value[0], value[1]
