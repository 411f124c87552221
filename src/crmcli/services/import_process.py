"""The reading side of an import in a process of its own, so that validation and writing
use two cores.

In one process the two share the GIL: the writer thread inserts without it, but every
batch it is handed waits for the validating thread to let go, and validating every row in
Python is about half of an import. Forked after the importer has read what is already in
the database (`begin`), the child reads and validates the file and sends each batch of
planned rows down a pipe as plain data; this process writes them, in the one transaction
it holds, and takes over the child's report and what `finish` needs once the file ends.

The child never touches the database connection it inherited (SQLite forbids using one
across fork) and leaves with os._exit, so nothing of it is closed or flushed twice.
A fork is taken only from a single-threaded process (a thread holding a lock at the fork
would leave the child waiting on it forever); otherwise, and where there is no fork, the
import reads and writes in this process as before.
"""

from __future__ import annotations

import os
import pickle
import queue
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from crmcli.errors import CrmError

if TYPE_CHECKING:
    from crmcli.io.csv_reader import CsvSource
    from crmcli.services.importing import ImportReport, RejectsFile

# Batches are a few megabytes; a large buffer keeps the pickles to few writes.
PIPE_BUFFER = 1 << 20
QUEUED = 3  # batches read ahead of the writing: enough to keep both busy, memory flat
Send = Callable[[tuple[Any, ...] | None], None]


def can_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1


def read_in_child(
    importer: Any,
    report: ImportReport,
    rejects: RejectsFile | None,
    source: CsvSource,
    read: Callable[[Send, Callable[[], None]], None],
    progress: Callable[[int, int | None, int], None] | None,
) -> None:
    """Run `read(send, tick)` in a forked child and write each batch it sends here.

    `send` hands over a batch (from the importer's take_batch), `tick` reports progress.
    Returns once the child has read the whole file; an error in the child is raised here
    (the caller's transaction then rolls back), and an error here stops the child."""
    if rejects is not None:
        rejects.flush()  # or the child and this process would each write the header
    inbox_fd, outbox_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(inbox_fd)
        _child(outbox_fd, importer, report, rejects, source, read)
    os.close(outbox_fd)
    importer.writing_alone = True
    inbox = os.fdopen(inbox_fd, "rb", buffering=PIPE_BUFFER)
    # A thread empties the pipe while this one writes to SQLite (which it does without the
    # GIL): a pipe holds 64 KiB, so the child would otherwise wait for every batch written.
    messages: queue.Queue[tuple[Any, ...]] = queue.Queue(maxsize=QUEUED)
    threading.Thread(target=_drain, args=(inbox, messages), name="crm-import-inbox", daemon=True).start()
    try:
        while True:
            message = messages.get()
            kind = message[0]
            if kind == "batch":
                importer.write_batch(message[1])
            elif kind == "progress":
                if progress is not None:
                    progress(message[1], source.size, message[2])
            elif kind == "done":
                _, state, child_report, bytes_read = message
                vars(importer).update(state)
                vars(report).update(vars(child_report))
                source.bytes_read = bytes_read
                return
            elif kind == "ended":
                raise CrmError("The import stopped: the process reading the file ended early.")
            else:
                raise message[1]
    except BaseException:
        os.kill(pid, signal.SIGKILL)  # it may be waiting on a full pipe
        raise
    finally:
        os.waitpid(pid, 0)


def _drain(inbox: Any, messages: queue.Queue[tuple[Any, ...]]) -> None:
    """Messages from the pipe into the queue, until the last one (or the pipe's end)."""
    with inbox:
        while True:
            try:
                message = pickle.load(inbox)
            except EOFError:
                messages.put(("ended",))
                return
            except BaseException as exc:  # noqa: BLE001 - handed to the writing thread
                messages.put(("error", exc))
                return
            messages.put(message)
            if message[0] in ("done", "error"):
                return


def _child(
    outbox_fd: int,
    importer: Any,
    report: ImportReport,
    rejects: RejectsFile | None,
    source: CsvSource,
    read: Callable[[Send, Callable[[], None]], None],
) -> None:
    try:
        outbox = os.fdopen(outbox_fd, "wb", buffering=PIPE_BUFFER)

        def send(message: tuple[Any, ...]) -> None:
            pickle.dump(message, outbox, protocol=pickle.HIGHEST_PROTOCOL)

        def send_batch(batch: tuple[Any, ...] | None) -> None:
            if batch is not None:
                send(("batch", batch))

        try:
            read(send_batch, lambda: send(("progress", source.bytes_read, report.rows)))
            if rejects is not None:
                rejects.flush()
            send(("done", importer.handoff(), report, source.bytes_read))
        except BaseException as exc:  # noqa: BLE001 - raised again in the writing process
            if rejects is not None:
                rejects.flush()
            send(("error", _portable(exc)))
        outbox.flush()
    finally:
        os._exit(0)


def _portable(exc: BaseException) -> BaseException:
    """The error itself when it survives pickling, else one that says what it was."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - any failure to pickle means: describe it instead
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc
