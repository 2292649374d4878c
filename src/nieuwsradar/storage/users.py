"""Coordinators (users), failed sign-ins, label-correction history and ``meta`` values.

Password and token hashing happen in the facade (``core/users.py``); this module only
stores what it is given. Emails compare case-insensitively (``COLLATE NOCASE``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from nieuwsradar.storage.base import StorageBase
from nieuwsradar.storage.convert import from_db, from_db_opt, to_db
from nieuwsradar.types import LabelCorrection, User

_USER_SELECT = ("SELECT id, email, name, created_at, last_login_at, token_hash IS NOT NULL "
                "FROM users")


def _user(row: tuple[Any, ...]) -> User:
    return User(id=row[0], email=row[1], name=row[2], created_at=from_db(row[3]),
                last_login_at=from_db_opt(row[4]), has_token=bool(row[5]))


class UsersMixin(StorageBase):
    """Users, sign-in throttling, correction history, meta key/values."""

    # -- users ---------------------------------------------------------------------------
    def add_user(self, email: str, name: str, password_hash: str, at: datetime) -> User:
        """Insert a user, or replace the name and password of an existing one (by email)."""
        with self.transaction():
            self._conn.execute(
                "INSERT INTO users (email, name, password_hash, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(email) DO UPDATE SET name = excluded.name, "
                "password_hash = excluded.password_hash",
                (email, name, password_hash, to_db(at, "created_at")))
        user = self.user_by_email(email)
        assert user is not None
        return user

    def user_by_email(self, email: str) -> User | None:
        """The user with this email (any case), or None."""
        with self._reading():
            row = self._conn.execute(f"{_USER_SELECT} WHERE email = ?", (email,)).fetchone()
        return _user(row) if row else None

    def user_by_id(self, user_id: int) -> User | None:
        """The user with this id, or None."""
        with self._reading():
            row = self._conn.execute(f"{_USER_SELECT} WHERE id = ?", (user_id,)).fetchone()
        return _user(row) if row else None

    def user_by_token_hash(self, token_hash: str) -> User | None:
        """The user whose API token has this hash, or None."""
        with self._reading():
            row = self._conn.execute(
                f"{_USER_SELECT} WHERE token_hash = ?", (token_hash,)).fetchone()
        return _user(row) if row else None

    def password_hash(self, email: str) -> str | None:
        """The stored password hash of a user, or None when there is no such user."""
        with self._reading():
            row = self._conn.execute(
                "SELECT password_hash FROM users WHERE email = ?", (email,)).fetchone()
        return row[0] if row else None

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Replace a user's password hash (after a rehash with newer parameters)."""
        with self.transaction():
            self._conn.execute("UPDATE users SET password_hash = ? WHERE id = ?",
                               (password_hash, user_id))

    def set_token_hash(self, user_id: int, token_hash: str) -> None:
        """Replace a user's API token (its hash); the old token stops working."""
        with self.transaction():
            self._conn.execute("UPDATE users SET token_hash = ? WHERE id = ?",
                               (token_hash, user_id))

    def record_login(self, user_id: int, at: datetime) -> None:
        """Remember the moment of a successful sign-in."""
        with self.transaction():
            self._conn.execute("UPDATE users SET last_login_at = ? WHERE id = ?",
                               (to_db(at, "last_login_at"), user_id))

    def list_users(self) -> list[User]:
        """Every user, by email."""
        with self._reading():
            rows = self._conn.execute(f"{_USER_SELECT} ORDER BY email").fetchall()
        return [_user(r) for r in rows]

    def remove_user(self, email: str) -> bool:
        """Delete a user; False when there was none."""
        with self.transaction():
            cursor = self._conn.execute("DELETE FROM users WHERE email = ?", (email,))
        return cursor.rowcount > 0

    # -- failed sign-ins -----------------------------------------------------------------
    def record_login_failure(self, keys: Sequence[str], at: datetime) -> None:
        """Record one failed sign-in under each key; drop records older than a day."""
        when = to_db(at, "at")
        with self.transaction():
            self._conn.executemany("INSERT INTO login_failures (key, at) VALUES (?, ?)",
                                   [(key, when) for key in keys])
            self._conn.execute("DELETE FROM login_failures WHERE at < datetime(?, '-1 day')",
                               (when,))

    def login_failures(self, key: str, since: datetime) -> list[datetime]:
        """The failed sign-ins recorded under ``key`` since ``since``, oldest first."""
        with self._reading():
            rows = self._conn.execute(
                "SELECT at FROM login_failures WHERE key = ? AND at >= ? ORDER BY at",
                (key, to_db(since, "since"))).fetchall()
        return [from_db(r[0]) for r in rows]

    def clear_login_failures(self, key: str) -> None:
        """Forget the failed sign-ins under ``key`` (after a successful one)."""
        with self.transaction():
            self._conn.execute("DELETE FROM login_failures WHERE key = ?", (key,))

    # -- label corrections ---------------------------------------------------------------
    def record_correction(self, item_id: int, labels: Sequence[str], by: str,
                          at: datetime) -> None:
        """Log who set which labels on an item, and when."""
        with self.transaction():
            self._conn.execute(
                "INSERT INTO label_corrections (item_id, labels, by_email, at) "
                "VALUES (?, ?, ?, ?)",
                (item_id, json.dumps(list(labels), ensure_ascii=False), by, to_db(at, "at")))

    def corrections(self, item_id: int) -> list[LabelCorrection]:
        """The label corrections of an item, newest first."""
        with self._reading():
            rows = self._conn.execute(
                "SELECT item_id, labels, by_email, at FROM label_corrections "
                "WHERE item_id = ? ORDER BY at DESC, id DESC", (item_id,)).fetchall()
        return [LabelCorrection(r[0], tuple(json.loads(r[1])), r[2], from_db(r[3]))
                for r in rows]

    # -- meta ----------------------------------------------------------------------------
    def meta_setdefault(self, key: str, value: str) -> str:
        """Store ``value`` under ``key`` unless a value is there; return the stored one.

        Two processes racing to set it agree on whichever was written first.
        """
        with self.transaction():
            self._conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                               "ON CONFLICT(key) DO NOTHING", (key, value))
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0])
