"""Putting an uploaded file into the corpus safely: a clean name, content that matches its extension, no
duplicates, no overwriting by accident, an atomic write, and never a byte outside the corpus folder.

Documents go to ``pdf/`` (PDFs) or ``briefings/`` (everything else); indicator data to ``indicators/``. The
index is not touched: the next ``jsna ingest`` picks the file up.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from assistant.corpus import IGNORED_NAMES, INDICATOR_FOLDER, INDICATOR_SUFFIXES, indicator_files, scan
from assistant.errors import JsnaError
from assistant.parse import SIGNATURES, SUFFIXES

MAX_NAME = 120
LINE_SPACE = frozenset(" \t\n\r\v\f")  # whitespace that becomes "-"; other control characters go
MAX_EXTENSION = 16  # a longer "extension" is part of the name, not a file type
MAX_COPIES = 999
PDF_FOLDER = "pdf"
DOCUMENT_FOLDER = "briefings"
ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
ZIP_PARTS = {".docx": ("word/", "a Word document"), ".xlsx": ("xl/", "an Excel workbook")}
LOOKS_LIKE = {b"%PDF-": "a PDF", **SIGNATURES}
TEXT_CHECK_BYTES = 4096
INGEST_HINT = "Run `jsna ingest` to index it."


@dataclass(frozen=True)
class Published:
    path: str  # POSIX, relative to the corpus root
    action: str  # "added" | "replaced" | "duplicate"
    detail: str


class UploadError(JsnaError):
    """An upload was refused; nothing was written."""


def safe_name(name: str) -> str:
    """The bare file name, reduced to ``[A-Za-z0-9._-]``, extension lower-cased, at most 120 characters."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join(char for char in text if char in LINE_SPACE or not unicodedata.category(char).startswith("C"))
    text = re.sub(r"\s+", "-", text.strip())
    base = re.sub(r"^[A-Za-z]:", "", text.replace("\\", "/").rsplit("/", 1)[-1])
    stem, dot, extension = base.rpartition(".")
    if not dot or not stem.strip(".") or len(extension) > MAX_EXTENSION:
        stem, extension = base, ""
    stem, extension = _clean(stem), _clean(extension).lower()
    if not any(char.isalnum() for char in stem):
        raise UploadError(
            f"The file name {name!r} has no letters or digits that can be kept.",
            "Rename the file using letters, digits, '-' or '_' (for example annual-report-2024.pdf) and upload again.",
        )
    suffix = f".{extension}" if extension else ""
    return _trim(stem, MAX_NAME - len(suffix)) + suffix


def check_content(name: str, data: bytes, max_mb: float) -> str:
    """``"document"`` or ``"indicators"``, from the extension, once the content is known to match it."""
    suffix = PurePosixPath(name).suffix.lower()
    kind = _kind(name, suffix)
    if not data:
        raise UploadError(f"{name} is empty.", "Check that the file saved properly and upload it again.")
    if len(data) > max_mb * 1024 * 1024:
        raise UploadError(
            f"{name} is {len(data) / 1024 / 1024:.1f} MB; the limit is {max_mb:g} MB.",
            "Compress or split the file, or raise max_file_mb (JSNA_MAX_FILE_MB) if larger files are expected.",
        )
    if suffix == ".pdf":
        _check_pdf(name, data)
    elif suffix in ZIP_PARTS:
        _check_office(name, suffix, data)
    else:
        text = _check_text(name, suffix, data)
        if suffix == ".json":
            _check_json(name, text)
    return kind


def publish(corpus: Path, name: str, data: bytes, max_mb: float, replace: str | None = None) -> Published:
    """Write ``data`` into the corpus as a new file, or in place of ``replace`` (a corpus-relative path).
    Content already in the corpus is not written again; an existing different file is never overwritten."""
    root = _corpus_root(corpus)
    filename = safe_name(name)
    kind = check_content(filename, data, max_mb)
    _check_not_ignored(filename, kind)
    existing = _same_content(root, hashlib.sha256(data).hexdigest())
    if existing is not None:
        return Published(
            existing, "duplicate", f"The same content is already in the corpus as {existing}; nothing was written."
        )
    old = _replaced_file(root, replace, kind) if replace is not None else None
    folder = old.parent if old is not None else root / _folder_for(filename, kind)
    try:
        target = _write(root, folder, filename, data, overwrite=old)
        if old is not None and target != old:
            old.unlink()
    except OSError as exc:
        raise UploadError(
            f"Could not write {filename} into the corpus: {exc.strerror or exc}.",
            f"Check that {root} is writable and the disk has space, then upload again.",
        ) from None
    rel = target.relative_to(root).as_posix()
    if old is not None:
        return Published(rel, "replaced", f"Replaced {old.relative_to(root).as_posix()} with {rel}. {INGEST_HINT}")
    renamed = "" if target.name == filename else f" ({filename} already held a different file, so it was renamed)"
    return Published(rel, "added", f"Added {rel} as {kind}{renamed}. {INGEST_HINT}")


def _clean(part: str) -> str:
    # Accented letters keep their base letter; anything else outside the safe set becomes a dash.
    folded = "".join(c for c in unicodedata.normalize("NFKD", part) if not unicodedata.combining(c))
    dashed = re.sub(r"-{2,}", "-", "".join(c if c in ALLOWED else "-" for c in folded))
    return dashed.strip(".-")


def _trim(stem: str, limit: int) -> str:
    return stem[:limit].rstrip(".-") or stem[:limit]


def _kind(name: str, suffix: str) -> str:
    if suffix in SUFFIXES:
        return "document"
    if suffix in INDICATOR_SUFFIXES:
        return "indicators"
    accepted = ", ".join(sorted({*SUFFIXES, *INDICATOR_SUFFIXES}))
    raise UploadError(
        f"{name}: {suffix or 'files without an extension'} cannot go into the corpus.",
        f"Upload a document or indicator file ({accepted}); save other formats as PDF or Word first.",
    )


def _looks_like(data: bytes) -> str:
    head = data[:1024]
    return next((what for magic, what in LOOKS_LIKE.items() if head.startswith(magic)), "a different kind of file")


def _mismatch(name: str, expected: str, data: bytes, advice: str = "") -> UploadError:
    return UploadError(
        f"{name} is named as {expected} but its content looks like {_looks_like(data)}.",
        advice or "Upload the original file, or save it in the format its extension says.",
    )


def _check_pdf(name: str, data: bytes) -> None:
    if b"%PDF-" not in data[:1024]:
        raise _mismatch(name, "a PDF", data, "Export or print the document to PDF and upload that file.")


def _check_office(name: str, suffix: str, data: bytes) -> None:
    folder, what = ZIP_PARTS[suffix]
    if not data.startswith(b"PK\x03\x04"):
        raise _mismatch(name, what, data, f"Save it as {suffix} (not an older format or password-protected).")
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadError(
            f"{name} is damaged: it cannot be opened as {what}.", "Save it again and re-upload."
        ) from None
    if not any(part.startswith(folder) for part in parts):
        raise UploadError(f"{name} is a ZIP archive but not {what}.", f"Upload the {suffix} file itself.")


def _check_text(name: str, suffix: str, data: bytes) -> str:
    if b"\x00" in data[:TEXT_CHECK_BYTES] or data.startswith(tuple(LOOKS_LIKE)):
        raise _mismatch(name, f"a {suffix} text file", data, "Save it as plain UTF-8 text with that extension.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UploadError(f"{name} is not readable text (neither UTF-8 nor Windows-1252).", "Save it as UTF-8 text.")


def _check_json(name: str, text: str) -> None:
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise UploadError(
            f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
            "Fix the file (a JSON validator shows where) and upload it again.",
        ) from None


def _check_not_ignored(filename: str, kind: str) -> None:
    if kind == "document" and filename.lower() in IGNORED_NAMES:
        raise UploadError(
            f"{filename} is the name the corpus reserves for its own notes, so it would never be indexed.",
            "Rename the file to say what it contains and upload it again.",
        )


def _corpus_root(corpus: Path) -> Path:
    root = corpus.resolve()
    if not root.is_dir():
        raise UploadError(f"The corpus folder {corpus} does not exist.", "Create it, or set `corpus` in jsna.toml.")
    return root


def _same_content(root: Path, digest: str) -> str | None:
    for source in scan(root):
        if source.sha256 == digest:
            return source.rel
    return next((rel for rel, sha in indicator_files(root).items() if sha == digest), None)


def _replaced_file(root: Path, replace: str, kind: str) -> Path:
    rel = PurePosixPath(replace.replace("\\", "/"))
    old = root / rel
    if rel.is_absolute() or any(part.startswith(".") for part in rel.parts) or not old.is_file():
        raise UploadError(
            f"{replace} is not a file in the corpus, so there is nothing to replace.",
            "Give the path as the corpus list shows it (for example pdf/annual-report.pdf), or upload as new.",
        )
    _ensure_inside(root, old)
    old_kind = "indicators" if rel.parts[0] == INDICATOR_FOLDER else "document"
    if old_kind != kind:
        raise UploadError(
            f"{replace} holds {old_kind} but the upload is {kind}; one cannot replace the other.",
            "Replace a document with a document and indicator data with indicator data, or upload as new.",
        )
    return old


def _folder_for(filename: str, kind: str) -> str:
    if kind == "indicators":
        return INDICATOR_FOLDER
    return PDF_FOLDER if filename.lower().endswith(".pdf") else DOCUMENT_FOLDER


def _ensure_inside(root: Path, path: Path) -> None:
    if not path.resolve().is_relative_to(root):
        raise UploadError(
            f"Refusing to write {path}: it is outside the corpus folder {root}.",
            "Remove any links inside the corpus folder that point elsewhere, then upload again.",
        )


def _write(root: Path, folder: Path, filename: str, data: bytes, overwrite: Path | None) -> Path:
    """Write to a hidden temp file in ``folder`` (ingest skips hidden files), then move it into place in one
    step: over ``overwrite`` when the name is unchanged, else under the first free name."""
    folder.mkdir(parents=True, exist_ok=True)
    _ensure_inside(root, folder)
    tmp = _temp_file(folder, data)
    try:
        if overwrite is not None and overwrite.name == filename:
            os.replace(tmp, overwrite)
            return overwrite
        return _claim(root, tmp, folder.resolve(), filename)
    finally:
        tmp.unlink(missing_ok=True)


def _temp_file(folder: Path, data: bytes) -> Path:
    handle, name = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    tmp = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        tmp.chmod(0o644)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _claim(root: Path, tmp: Path, folder: Path, filename: str) -> Path:
    """Move ``tmp`` to the first free name. A hard link never replaces an existing file, so two uploads of the
    same name at once both survive; where links are unsupported (some network shares), check then rename."""
    for candidate in _candidates(filename):
        target = folder / candidate
        _ensure_inside(root, target)
        try:
            os.link(tmp, target)
        except FileExistsError:
            continue
        except OSError:
            if os.path.lexists(target):
                continue
            os.replace(tmp, target)
        return target
    raise UploadError(f"Too many files named like {filename} in {folder}.", "Rename the file and upload again.")


def _candidates(filename: str) -> Iterator[str]:
    yield filename
    stem, dot, extension = filename.rpartition(".")
    stem, suffix = (stem, dot + extension) if dot else (filename, "")
    for number in range(2, MAX_COPIES + 1):
        tail = f"-{number}{suffix}"
        yield _trim(stem, MAX_NAME - len(tail)) + tail
