"""Staff sign-in and the audit log: what lets a council put the staff page on a server everyone can reach.

- The password is stored only as a salted scrypt hash (``admin_password_hash``, written by ``jsna admin
  set-password``); a plain ``admin_password`` still works, for development. Either is compared in constant time.
- Guessing is slowed: after :data:`MAX_ATTEMPTS` wrong passwords, sign-in pauses, for :data:`FIRST_PAUSE_S` and
  twice as long after each further wrong one (at most :data:`MAX_PAUSE_S`). A :class:`Throttle` is kept per browser
  session and one for the whole server, so neither a new tab nor many sessions get round it.
- Single sign-on: with Streamlit's OpenID Connect sign-in configured, staff are those whose e-mail address is in the
  ``staff_emails`` allow-list (:func:`allowed`).
- The audit log (``audit.jsonl`` beside the index, one JSON object a line, appended under a file lock) records
  sign-ins, wrong passwords, uploads, replacements and rebuilds, with the time and who.

No Streamlit here: the app keeps a :class:`Throttle` in its session state and one in a shared resource.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant import logs
from assistant.config import Settings

MAX_ATTEMPTS = 5  # wrong passwords before sign-in pauses
FIRST_PAUSE_S = 30.0
MAX_PAUSE_S = 15 * 60.0
SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # about 50 ms and 16 MB a check: slow for a guesser, quick for a person
AUDIT_LOG = "audit.jsonl"


def hash_password(password: str, salt: bytes | None = None) -> str:
    """ "scrypt$16384$8$1$<salt>$<hash>" (base64): what ``admin_password_hash`` holds."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT)
    encode = base64.b64encode
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${encode(salt).decode()}${encode(digest).decode()}"


def check_password(password: str, settings: Settings) -> bool:
    """Whether ``password`` is the staff password: the stored hash's, else the plain development setting's."""
    if settings.admin_password_hash:
        try:
            scheme, n, r, p, salt, digest = settings.admin_password_hash.split("$")
            expected = base64.b64decode(digest)
            found = hashlib.scrypt(
                password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
            )
        except (ValueError, TypeError):
            return False  # a damaged hash lets nobody in (Settings refuses one that is not scrypt)
        return scheme == "scrypt" and hmac.compare_digest(found, expected)
    if settings.admin_password:
        return hmac.compare_digest(password.encode(), settings.admin_password.encode())
    return False


def enabled(settings: Settings) -> bool:
    """The staff page is on: a password (hash or plain) or a single sign-on allow-list is set."""
    return bool(settings.admin_password_hash or settings.admin_password or settings.staff_emails)


def allowed(email: str | None, settings: Settings) -> bool:
    """A single sign-on user is staff: their e-mail address is on the allow-list (case does not matter)."""
    return email is not None and email.strip().lower() in {e.strip().lower() for e in settings.staff_emails if e}


def pause_after(failures: int) -> float:
    """Seconds sign-in pauses after ``failures`` wrong passwords in a row: none before :data:`MAX_ATTEMPTS`, then
    :data:`FIRST_PAUSE_S` doubling with each further one, at most :data:`MAX_PAUSE_S`."""
    if failures < MAX_ATTEMPTS:
        return 0.0
    return min(FIRST_PAUSE_S * 2 ** (failures - MAX_ATTEMPTS), MAX_PAUSE_S)


@dataclass
class Throttle:
    """Wrong passwords in a row and when sign-in may be tried again; safe to share between threads."""

    failures: int = 0
    until: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def wait(self, now: float) -> float:
        """Seconds until a password may be tried (0: now)."""
        with self._lock:
            return max(0.0, self.until - now)

    def failed(self, now: float) -> None:
        with self._lock:
            self.failures += 1
            self.until = now + pause_after(self.failures)

    def succeeded(self) -> None:
        with self._lock:
            self.failures, self.until = 0, 0.0


@dataclass(frozen=True)
class Attempt:
    """A password tried: whether it let in, whether it was checked at all (not while paused), and how long sign-in
    is paused now (seconds)."""

    ok: bool
    checked: bool
    wait: float


def paused(throttles: Sequence[Throttle], now: float) -> float:
    """Seconds until a password may be tried, by the strictest of ``throttles`` (0: now)."""
    return max((throttle.wait(now) for throttle in throttles), default=0.0)


def attempt(password: str, settings: Settings, throttles: Sequence[Throttle], now: float) -> Attempt:
    """Try a password against the staff password, unless ``throttles`` (this browser session's and the server's)
    pause sign-in; a wrong one counts in both and goes into the audit log."""
    wait = paused(throttles, now)
    if wait:
        return Attempt(False, False, wait)
    if check_password(password, settings):
        for throttle in throttles:
            throttle.succeeded()
        return Attempt(True, True, 0.0)
    for throttle in throttles:
        throttle.failed(now)
    audit(settings.index, "wrong password", "unknown")
    return Attempt(False, True, paused(throttles, now))


def audit(index: Path, event: str, who: str, **detail: Any) -> None:
    """Append an event to the audit log beside the index: time (UTC), event, who, and any detail given."""
    entry = {"time": datetime.now(UTC).isoformat(timespec="seconds"), "event": event, "who": who, **detail}
    logs.append(index / AUDIT_LOG, entry)


def read_audit(index: Path) -> list[dict[str, Any]]:
    """The audit log's entries, oldest first (a torn last line is skipped)."""
    return logs.read(index / AUDIT_LOG)


def set_password_in(config: Path, hashed: str) -> None:
    """Write ``admin_password_hash = "..."`` into the TOML settings file ``config`` (made if missing, readable by
    its owner only), in its ``[jsna]`` table when it has one, replacing an earlier hash; the rest of the file, its
    owner and its mode are kept as they are."""
    line = f'admin_password_hash = "{hashed}"'
    lines = config.read_text(encoding="utf-8").splitlines() if config.is_file() else []
    kept = [text for text in lines if not text.strip().startswith("admin_password_hash")]
    table = next((n for n, text in enumerate(kept) if text.strip() == "[jsna]"), None)
    if table is not None:
        kept.insert(table + 1, line)
    else:
        first_table = next((n for n, text in enumerate(kept) if text.strip().startswith("[")), len(kept))
        kept.insert(first_table, line)
    temporary = config.with_name(config.name + ".tmp")
    temporary.write_text("\n".join(kept) + "\n", encoding="utf-8")
    if config.is_file():  # the file keeps its owner and mode (root:jsna 640 on a server: docs/deploy.md)
        before = config.stat()
        os.chmod(temporary, before.st_mode & 0o777)
        if os.geteuid() == 0:
            os.chown(temporary, before.st_uid, before.st_gid)
    else:
        os.chmod(temporary, 0o600)  # a hash is not the password, but nobody else needs to read it
    temporary.replace(config)
