"""The few exceptions a user sees. Each carries advice: what to do next."""

from __future__ import annotations


class JsnaError(Exception):
    """Base class: ``message`` says what went wrong, ``advice`` what to do about it."""

    def __init__(self, message: str, advice: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.advice = advice

    def __str__(self) -> str:
        return f"{self.message} {self.advice}".strip()

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross from the worker processes that read documents; keep the advice on the way.
        return (type(self), (self.message, self.advice))


class ConfigError(JsnaError):
    """A setting is missing or invalid."""


class DocumentError(JsnaError):
    """One document cannot be read. Ingest reports it by name and carries on with the rest."""

    def __init__(self, path: str, reason: str, advice: str = "") -> None:
        super().__init__(f"{path}: {reason}", advice)
        self.path = path
        self.reason = reason

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.path, self.reason, self.advice))


class IndexMissingError(JsnaError):
    """No index has been built in the index folder yet."""


class IndexMismatchError(JsnaError):
    """The index was built with other settings (model, chunking, format) than the ones in force."""


class IndexCorruptError(JsnaError):
    """An index file is missing, truncated or altered."""


class ModelError(JsnaError):
    """The embedding model cannot be loaded."""
