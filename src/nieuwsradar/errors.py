"""One exception tree for nieuwsradar.

Every error the package raises on purpose derives from :class:`NieuwsradarError`, so the
CLI and the web layer can turn it into a clear message without catching bare exceptions::

    NieuwsradarError
    ├── ConfigError          a config file (feeds.toml, topics.toml, OPML) is wrong:
    │                        names the file, line and field and says what to do
    ├── FetchError           one fetch failed (HTTP status, timeout, too large, redirects)
    ├── ParseError           a fetched document could not be turned into items
    ├── StorageError         the database could not be opened, migrated or written
    ├── ModelError           a classifier model is missing, untrusted or incompatible
    └── InputError           user input (a JSONL line, a CLI argument) is malformed
"""

from __future__ import annotations


class NieuwsradarError(Exception):
    """Base class of every error nieuwsradar raises deliberately."""


class ConfigError(NieuwsradarError):
    """A configuration file is invalid.

    The message names the file, the line (when known) and the field, and says what to do.
    """

    def __init__(
        self, message: str, *, path: str | None = None, line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        self._message = message
        where = ""
        if path:
            where = path if line is None else f"{path}:{line}"
        if field:
            where = f"{where} [{field}]" if where else f"[{field}]"
        super().__init__(f"{where}: {message}" if where else message)

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle with the keyword fields (errors cross process boundaries in ingest)."""
        return (_rebuild, (ConfigError, (self._message,),
                           {"path": self.path, "line": self.line, "field": self.field}))


class FetchError(NieuwsradarError):
    """Fetching one URL failed.

    ``status`` is the HTTP status when there was a response; ``retry_after_s`` is the
    delay the server asked for (429/503 Retry-After); ``permanent`` is true for answers
    that will not change by retrying soon (404, 410).
    """

    def __init__(
        self, url: str, message: str, *, status: int | None = None,
        retry_after_s: float | None = None, permanent: bool = False,
    ) -> None:
        self.url = url
        self.status = status
        self.retry_after_s = retry_after_s
        self.permanent = permanent
        self._message = message
        super().__init__(f"{url}: {message}")

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle with the keyword fields (errors cross process boundaries in ingest)."""
        return (_rebuild, (FetchError, (self.url, self._message), {
            "status": self.status, "retry_after_s": self.retry_after_s,
            "permanent": self.permanent}))


class ParseError(NieuwsradarError):
    """A fetched document could not be parsed into items."""

    def __init__(self, url: str, message: str) -> None:
        self.url = url
        self._message = message
        super().__init__(f"{url}: {message}")

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle with both arguments (parse errors come back from worker processes)."""
        return (ParseError, (self.url, self._message))


class StorageError(NieuwsradarError):
    """The database could not be opened, migrated or written."""


class ModelError(NieuwsradarError):
    """A classifier model is missing, untrusted or made by an incompatible version."""


class InputError(NieuwsradarError):
    """User input (a JSONL line, a query, a CLI value) is malformed."""


def _rebuild(cls: type[NieuwsradarError], args: tuple[object, ...],
             kwargs: dict[str, object]) -> NieuwsradarError:
    """Unpickle an error whose constructor takes keyword arguments."""
    return cls(*args, **kwargs)
