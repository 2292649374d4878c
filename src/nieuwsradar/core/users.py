"""Facade part: coordinators, sign-in with slow-down, API tokens, the session secret,
and label corrections with who and when.

Passwords are hashed with argon2id (argon2-cffi); API tokens are random and stored only
as their SHA-256. Failed sign-ins are recorded in the database (per account and per
client), so the slow-down holds across threads, processes and restarts.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from nieuwsradar.core.items import ItemsPart
from nieuwsradar.errors import InputError, NieuwsradarError
from nieuwsradar.types import Item, LabelCorrection, User

if TYPE_CHECKING:
    from argon2 import PasswordHasher

#: Failed sign-ins allowed within :data:`FAILURE_WINDOW` before waiting starts.
FREE_FAILURES = 5
#: Failed sign-ins from one client address allowed (over all accounts) before waiting.
FREE_CLIENT_FAILURES = 20
FAILURE_WINDOW = timedelta(minutes=15)
#: The wait after the first failure past the free ones; it doubles with each further one.
FIRST_WAIT_S = 30
MAX_WAIT_S = 15 * 60
MIN_PASSWORD_CHARS = 10
SESSION_SECRET_META = "web.session_secret"  # noqa: S105 - a meta key, not a secret

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Both made on first use: hashing costs ~0.1 s of CPU, which every command would pay at
# start-up (a search from the shell included) if it were done on import.
_HASHER: PasswordHasher | None = None
# Verified when the account does not exist, so timing does not tell which emails exist.
_DUMMY_HASH: str | None = None


def _hasher() -> PasswordHasher:
    """The argon2id hasher (argon2-cffi is imported only by commands that hash)."""
    global _HASHER
    if _HASHER is None:
        from argon2 import PasswordHasher

        _HASHER = PasswordHasher()
    return _HASHER


def _dummy_hash() -> str:
    """A hash of a random password, verified when the account does not exist."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher().hash(secrets.token_urlsafe(16))
    return _DUMMY_HASH


class SignInRefused(NieuwsradarError):
    """A sign-in failed; ``wait_s`` > 0 when the caller must wait before trying again."""

    def __init__(self, message: str, wait_s: int = 0) -> None:
        self.wait_s = wait_s
        super().__init__(message)


def token_hash(token: str) -> str:
    """The stored form of an API token."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def normalise_email(email: str) -> str:
    """Trim and lowercase an e-mail address; InputError when it is not one."""
    cleaned = email.strip().lower()
    if not _EMAIL.match(cleaned) or len(cleaned) > 254:
        raise InputError(f"{email!r} is not an e-mail address (expected name@example.nl)")
    return cleaned


class UsersPart(ItemsPart):
    """Coordinators, sign-in, tokens, session secret and label corrections."""

    # -- users ---------------------------------------------------------------------------
    def add_user(self, email: str, password: str, name: str = "") -> User:
        """Add a coordinator, or set a new password (and name) for an existing one."""
        address = normalise_email(email)
        if len(password) < MIN_PASSWORD_CHARS:
            raise InputError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
        return self._db.add_user(address, name.strip(), _hasher().hash(password),
                                 datetime.now(UTC))

    def users(self) -> list[User]:
        """Every coordinator, by email."""
        return self._db.list_users()

    def session_stamp(self, user: User) -> str:
        """A value a session keeps to stay valid: it changes with the user's password, so
        setting a new password (``users add`` again) ends every session of the user."""
        stored = self._db.password_hash(user.email) or ""
        return hashlib.sha256(f"session:{stored}".encode()).hexdigest()[:24]

    def session_user(self, user_id: int, stamp: str) -> User | None:
        """The coordinator of a session, or None when the user is gone or the password
        changed since the session began."""
        user = self._db.user_by_id(user_id)
        if user is None or not secrets.compare_digest(stamp, self.session_stamp(user)):
            return None
        return user

    def remove_user(self, email: str) -> None:
        """Remove a coordinator (InputError when there is none with this email)."""
        if not self._db.remove_user(email.strip()):
            raise InputError(f"there is no user {email.strip()!r}; see `nieuwsradar users list`")

    def new_api_token(self, email: str) -> str:
        """Make a new API token for a coordinator (the old one stops working); shown once."""
        user = self._db.user_by_email(email.strip())
        if user is None:
            raise InputError(f"there is no user {email.strip()!r}; add one with "
                             "`nieuwsradar users add`")
        token = secrets.token_urlsafe(32)
        self._db.set_token_hash(user.id, token_hash(token))
        return token

    def user_for_token(self, token: str) -> User | None:
        """The coordinator an API token belongs to, or None."""
        return self._db.user_by_token_hash(token_hash(token)) if token else None

    # -- sign-in -------------------------------------------------------------------------
    def sign_in(self, email: str, password: str, client: str) -> User:
        """Check a coordinator's password; return the user or raise SignInRefused.

        After :data:`FREE_FAILURES` failures for one account (or
        :data:`FREE_CLIENT_FAILURES` from one client) within :data:`FAILURE_WINDOW`, each
        further attempt must wait, twice as long after every failure; attempts during the
        wait are refused without checking the password.
        """
        now = datetime.now(UTC)
        address = email.strip().lower()
        keys = [f"account:{address}", f"client:{client}"]
        wait_s = max(self._wait_s(keys[0], FREE_FAILURES, now),
                     self._wait_s(keys[1], FREE_CLIENT_FAILURES, now))
        if wait_s > 0:
            raise SignInRefused("too many failed sign-ins", wait_s)
        from argon2.exceptions import InvalidHashError, VerificationError

        db = self._db
        stored = db.password_hash(address)
        try:
            _hasher().verify(stored or _dummy_hash(), password)
            ok = stored is not None
        except (VerificationError, InvalidHashError):
            ok = False
        user = db.user_by_email(address) if ok else None
        if user is None:
            db.record_login_failure(keys, now)
            raise SignInRefused("wrong e-mail address or password")
        assert stored is not None
        if _hasher().check_needs_rehash(stored):
            db.set_password_hash(user.id, _hasher().hash(password))
        db.clear_login_failures(keys[0])
        db.record_login(user.id, now)
        return user

    def _wait_s(self, key: str, free: int, now: datetime) -> int:
        failures = self._db.login_failures(key, now - FAILURE_WINDOW)
        extra = len(failures) - free
        if extra < 0:
            return 0
        wait = min(FIRST_WAIT_S * 2 ** min(extra, 10), MAX_WAIT_S)
        return max(0, int(wait - (now - failures[-1]).total_seconds()))

    def session_secret(self) -> str:
        """The key that signs session cookies: from settings when set, else made once and
        kept in the database, so sessions survive restarts and all workers agree."""
        if self.settings.secret_key:
            return self.settings.secret_key
        return self._db.meta_setdefault(SESSION_SECRET_META, secrets.token_urlsafe(48))

    # -- label corrections ---------------------------------------------------------------
    def correct_labels(self, item_id: int, labels: Sequence[str], by: User) -> Item:
        """A coordinator sets the labels of an item (empty = overig): stored as human
        labels (they win over the model and feed ``train``) with who and when."""
        db = self._db
        if not db.get_items([item_id]):
            raise InputError(f"there is no item {item_id}")
        with db.transaction():
            item = self.set_human_labels(item_id, labels)
            db.record_correction(item_id, [lab.label for lab in item.labels], by.email,
                                 datetime.now(UTC))
        return item

    def corrections(self, item_id: int) -> list[LabelCorrection]:
        """Who corrected the labels of an item and when, newest first."""
        return self._db.corrections(item_id)
