"""Read documents (and indicator files: :func:`read_files`) in worker processes, each file bounded in time and memory.

A damaged PDF can send a parser into a loop, and a decompression bomb (a few KB that inflate to gigabytes)
makes pdfium take all the memory there is, or abort the process when it cannot have it. So files are read
in worker processes with an address-space cap (``RLIMIT_AS``, ``parse_memory_mb``) and a time limit per
file (``parse_timeout_s``). A file that overruns either, or kills its worker, becomes a
:class:`DocumentError` naming the cause, its worker is replaced, and the other files are read as usual.

Workers are fresh interpreters (``python -c "...serve()"``) talking length-prefixed pickles over their
stdin and stdout, not ``multiprocessing`` children: those re-run the caller's ``__main__`` on start, which
under Streamlit is the app itself, and the caller is never forked (it may hold torch and its threads).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar, cast

from assistant.config import Settings
from assistant.errors import DocumentError, JsnaError
from assistant.parse import ParsedDocument, read_document

# (path, max_mb, name, vocabulary): read_document, or another module-level reader (:func:`read_files`)
Reader = Callable[[Path, float, str, frozenset[str]], Any]
T = TypeVar("T")
WORKER = "from assistant.parse_pool import serve; serve()"
_FRAME = struct.Struct("!Q")


@dataclass(frozen=True)
class Outcome:
    """What became of one file. ``status``: "read"; "refused" (the reader named the problem: not a PDF,
    encrypted, damaged...); "timeout"; "memory" (over the memory cap); "died" (the worker crashed or was
    killed). Every status but "read" carries an ``error``."""

    name: str
    status: str
    document: ParsedDocument | None = None
    error: DocumentError | None = None
    seconds: float = 0.0  # time from handing the file to a worker to its answer (the limit for a timeout)
    peak_mb: float = 0.0  # the worker's peak resident memory while reading it; 0 when it did not answer


def worker_count(settings: Settings, files: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(settings.parse_workers or cores, files))


def read_documents(
    files: Sequence[tuple[Path, str]],
    settings: Settings,
    on_done: Callable[[int, str], None] | None = None,
    reader: Reader = read_document,
    vocabulary: frozenset[str] = frozenset(),
) -> Generator[Outcome, None, None]:
    """Read each ``(path, name)`` of ``files`` in a worker process; yield one :class:`Outcome` per file, in
    the order given, each as soon as it and every file before it are done. ``on_done(count, name)`` is
    called in the caller's thread as each file finishes, in whatever order. ``reader`` must be a
    module-level function: it is sent to the workers by name. ``vocabulary`` (known words for mending broken
    words, see :func:`assistant.parse.read_document`) is sent to each worker once, when it starts.

    Raises :class:`JsnaError` when a worker cannot even start; a document is never lost for that."""
    if not files:
        return
    pool = _Pool(settings.parse_memory_mb, settings.parse_timeout_s, vocabulary)
    todo = deque(range(len(files)))
    outcomes: list[Outcome | None] = [None] * len(files)
    idle: list[_Worker] = []
    count = ready = 0
    try:
        for _ in range(worker_count(settings, len(files))):
            pool.start()
        while ready < len(files):
            while idle and todo:
                first = todo.popleft()
                path, name = files[first]
                # Absolute: a worker keeps the folder it started in; the caller may have moved since.
                pool.assign(idle.pop(), first, (reader, path.absolute(), name, settings.max_file_mb))
            for worker, message in pool.events():
                if message == _READY:
                    worker.ready = True
                    idle.append(worker)
                    continue
                number = worker.task
                if number is None:  # it ended without a file: at start (nothing will work), or idle
                    if not worker.ready:
                        raise _cannot_start(worker, message == _TIMED_OUT, settings.parse_timeout_s)
                    idle.remove(worker)
                    pool.retire(worker)
                    if todo:
                        pool.start()
                    continue
                outcome = _outcome(files[number][1], message, worker, settings)
                worker.task = None
                if outcome.status in ("timeout", "died"):
                    pool.retire(worker)
                    if todo:
                        pool.start()
                else:
                    idle.append(worker)
                outcomes[number] = outcome
                count += 1
                if on_done is not None:
                    on_done(count, outcome.name)
            while ready < len(files) and (done := outcomes[ready]) is not None:
                outcomes[ready] = None
                ready += 1
                yield done
    finally:
        pool.close()


def read_files(
    files: Sequence[tuple[Path, str]], settings: Settings, reader: Callable[[Path, float, str, frozenset[str]], T]
) -> Iterator[T | DocumentError]:
    """Each ``(path, name)`` of ``files`` read by ``reader`` in one worker process, bounded in time and memory as
    documents are: what it returned, or the :class:`DocumentError` that says why not, in order. One worker, so
    that it runs beside the documents' own without taking their cores."""
    for outcome in read_documents(files, settings.replace(parse_workers=1), reader=reader):
        yield outcome.error if outcome.error is not None else cast(T, outcome.document)


def _outcome(name: str, message: Any, worker: _Worker, settings: Settings) -> Outcome:
    seconds = time.monotonic() - worker.since
    if message == _TIMED_OUT:
        error = DocumentError(
            name,
            f"took longer than {settings.parse_timeout_s:g} s to read; the reader was stopped",
            "Check that the file opens and is not damaged. If it is a genuine, very long document, raise "
            "parse_timeout_s (JSNA_PARSE_TIMEOUT_S).",
        )
        return Outcome(name, "timeout", error=error, seconds=settings.parse_timeout_s)
    if message is None:
        error = DocumentError(
            name,
            f"the reader crashed ({_exit_cause(worker)}): a damaged file, or one that needs more "
            f"than {settings.parse_memory_mb} MB of memory (a decompression bomb?)",
            "Download or export the document again. If it is genuine, raise parse_memory_mb (JSNA_PARSE_MEMORY_MB).",
        )
        return Outcome(name, "died", error=error, seconds=seconds)
    status, result, peak_mb = message
    if status == "read":
        return Outcome(name, status, document=result, seconds=seconds, peak_mb=peak_mb)
    return Outcome(name, status, error=result, seconds=seconds, peak_mb=peak_mb)


def _exit_cause(worker: _Worker) -> str:
    try:
        code = worker.process.wait(timeout=5)
    except subprocess.TimeoutExpired:  # alive, but what it said could not be read
        worker.process.kill()
        return f"its answer could not be read: {worker.garbled}"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"stopped by {signal.Signals(-code).name}"
        return f"stopped by signal {-code}"
    return f"exit code {code}"


def _cannot_start(worker: _Worker, hung: bool, timeout_s: float) -> JsnaError:
    cause = f"it did not answer within {timeout_s:g} s" if hung else _exit_cause(worker)
    return JsnaError(
        f"A document reader process could not start ({cause}); see any error above.",
        f"Check that `{sys.executable} -c 'import assistant.parse'` works and that parse_memory_mb "
        "(JSNA_PARSE_MEMORY_MB) is not too small. The index was not changed.",
    )


_READY = "ready"
_TIMED_OUT = "timed out"  # an event the pool makes itself, for a worker past its deadline


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    deadline: float  # to say it is ready, then to answer for its file
    task: int | None = None  # the number of the file it is reading
    since: float = 0.0
    ready: bool = False
    retired: bool = False
    garbled: str = ""  # why an answer of its could not be unpickled


class _Pool:
    """Worker processes and one queue of what they say: a thread per worker turns its answers (and its
    end) into events, so the caller's thread can wait on all of them at once, up to the nearest deadline."""

    def __init__(self, memory_mb: int, timeout_s: float, vocabulary: frozenset[str]) -> None:
        self.memory_mb = memory_mb
        self.timeout_s = timeout_s
        self.vocabulary = vocabulary
        self.workers: list[_Worker] = []
        self._events: queue.Queue[tuple[_Worker, Any]] = queue.Queue()

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        command = [sys.executable, "-c", WORKER, str(self.memory_mb)]
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        worker = _Worker(process, deadline=time.monotonic() + self.timeout_s)
        self.workers.append(worker)
        with contextlib.suppress(OSError):  # one that dies at once is reported when its end arrives
            assert process.stdin is not None
            _send(process.stdin, self.vocabulary)
        threading.Thread(target=self._listen, args=(worker,), daemon=True).start()

    def _listen(self, worker: _Worker) -> None:
        assert worker.process.stdout is not None
        while True:
            try:
                message = _receive(worker.process.stdout)
            except Exception as exc:  # an answer that cannot be unpickled: treated as the worker's end
                worker.garbled = repr(exc)
                message = None
            self._events.put((worker, message))
            if message is None:
                return

    def assign(self, worker: _Worker, number: int, task: tuple[Any, ...]) -> None:
        worker.task, worker.since = number, time.monotonic()
        worker.deadline = worker.since + self.timeout_s
        try:
            assert worker.process.stdin is not None
            _send(worker.process.stdin, task)
        except OSError:
            pass  # it has just died; its end arrives as an event and the file is reported

    def events(self) -> list[tuple[_Worker, Any]]:
        """What the workers said since last asked, waiting up to the nearest deadline for something; a
        worker past its deadline is killed and reported as ``_TIMED_OUT``."""
        waiting = [w for w in self.workers if not w.retired and (w.task is not None or not w.ready)]
        if not waiting:
            return []
        events = []
        with contextlib.suppress(queue.Empty):
            events.append(self._events.get(timeout=max(0.0, min(w.deadline for w in waiting) - time.monotonic())))
            while True:
                events.append(self._events.get_nowait())
        events = [(worker, message) for worker, message in events if not worker.retired]
        answered = {id(worker) for worker, _ in events}
        now = time.monotonic()
        for worker in waiting:
            if worker.deadline <= now and id(worker) not in answered:
                worker.process.kill()
                events.append((worker, _TIMED_OUT))
        return events

    def retire(self, worker: _Worker) -> None:
        worker.retired = True
        worker.process.kill()

    def close(self) -> None:
        """Stop every worker. They hold nothing worth a clean exit, and killing is quicker than waiting."""
        for worker in self.workers:
            worker.process.kill()
        for worker in self.workers:
            worker.process.wait()
            for stream in (worker.process.stdin, worker.process.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()


def _send(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_FRAME.pack(len(data)) + data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    """The next message, or None when the other side has gone."""
    header = stream.read(_FRAME.size)
    if len(header) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(header)
    data = stream.read(size)
    return pickle.loads(data) if len(data) == size else None


# --- in the worker process -----------------------------------------------------------------------------


def serve() -> None:
    """A worker: cap its memory, then read the files it is sent (on stdin) and answer (on stdout) until its
    input ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the caller, which then stops the workers
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    memory_mb = int(sys.argv[1])
    _limit_memory(memory_mb)
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever a library prints goes to stderr, never into the answers
    tasks = sys.stdin.buffer
    vocabulary = _receive(tasks) or frozenset()
    _send(answers, _READY)
    while (task := _receive(tasks)) is not None:
        reader, path, name, max_mb = task
        _send(answers, _read(reader, path, name, max_mb, vocabulary, memory_mb))


def _exit_with_parent(parent: int) -> None:
    """A caller killed outright cannot stop a worker stuck in a file; the worker notices it is orphaned."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _read(
    reader: Reader, path: Path, name: str, max_mb: float, vocabulary: frozenset[str], memory_mb: int
) -> tuple[str, Any, float]:
    _reset_peak()
    result: ParsedDocument | DocumentError
    try:
        result, status = reader(path, max_mb, name, vocabulary), "read"
    except DocumentError as exc:
        result, status = exc, "refused"
    except MemoryError:
        result, status = _memory_error(name, memory_mb), "memory"
    return status, result, _peak_mb()


def _memory_error(name: str, memory_mb: int) -> DocumentError:
    return DocumentError(
        name,
        f"needed more than {memory_mb} MB of memory to read (a damaged file or a decompression bomb?)",
        "Download or export the document again. If it is genuine, raise parse_memory_mb (JSNA_PARSE_MEMORY_MB).",
    )


def _limit_memory(memory_mb: int) -> None:
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = memory_mb * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass  # no address-space limit on this system (Windows; macOS ignores it): the time limit still holds


def _reset_peak() -> None:
    """A worker reads file after file; on Linux the peak so far can be forgotten, so each file has its own."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_mb() -> float:
    try:
        import resource
    except ImportError:
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)
