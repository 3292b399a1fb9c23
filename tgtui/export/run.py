"""An export of a backup, start to finish: chats exported (in worker processes when the
backup is big), then the whole-account result.json and the HTML index.

Everything is written into a hidden folder beside the destination, renamed into place only
when the export is whole: an export that was stopped or failed never passes for a complete
one, and the destination is never half-overwritten. Such a folder left by an export that was
killed (SIGKILL, a power cut) is removed by the next export into the same parent folder.

The export holds private messages, so it is as private as the backup: files 0600, folders
0700. Its media are hard links to the backup's files (the same files, with their modes) unless
``copy`` asks for copies.

Over 400 lines on purpose: staging, worker processes, stopping and cleaning up are one
sequence whose every exit must leave no half export; the writers are in tde.py and site.py.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import re
import shutil
import stat
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from tgtui.archive.folder import JSONL, Archive, ArchiveChat
from tgtui.export.chat_export import (
    ACCOUNT_SEPARATOR,
    SINGLE_SEPARATOR,
    ChatJob,
    Part,
    PartDone,
    chat_header,
    dumps,
    export_part,
    split_points,
)
from tgtui.export.html_pages import CSS_PATH
from tgtui.export.site import write_index, write_style
from tgtui.i18n import ENGLISH, _, speaking
from tgtui.portable import owned_by_someone_else, process_gone
from tgtui.private_files import private_umask

FORMATS = ("tde", "html", "both")

# Below this much JSONL in all, worker processes cost more than they save.
PARALLEL_BYTES = 32 * 1024 * 1024
# A big chat exported only as JSON is cut into parts of at least this much.
PART_BYTES = 8 * 1024 * 1024
# Where the parts are written before they are joined (inside the hidden staging folder).
PARTS = ".parts"
# The hidden folder an export is written into: .OUT.partial-PID, beside OUT.
STAGING = re.compile(r"\.(?P<name>.+)\.partial-(?P<pid>[0-9]{1,9})")
# What an export writes at its top: a staging folder holding anything else is not ours.
EXPORT_NAMES = frozenset({"result.json", "index.html", "chats", Path(CSS_PATH).parts[0], PARTS})

ABOUT = (
    "Exported by tgtui from a backup, in the format of Telegram Desktop's data export "
    "(Settings > Advanced > Export Telegram data)."
)
ABOUT_CHATS = "This page lists all chats from this export."

Progress = Callable[[int, int], None]  # (lines read, lines in all)


class ExportError(Exception):
    """The export cannot run or could not finish; the message says why."""


@dataclass
class ExportSummary:
    """What an export wrote."""

    folder: Path
    chats: int = 0
    messages: int = 0
    unreadable: int = 0
    files_linked: int = 0
    files_copied: int = 0
    files_missing: int = 0
    problems: list[str] = field(default_factory=list)


def default_destination(source: Path, now: float | None = None) -> Path:
    """Beside the backup: <backup>-export-YYYY-MM-DD, numbered if that exists."""
    day = time.strftime("%Y-%m-%d", time.localtime(now))
    base = source.resolve().parent / f"{source.resolve().name}-export-{day}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def chat_folder(index: int, count: int) -> str:
    """Telegram Desktop's folder for the index-th of ``count`` chats: chats/chat_N, N padded
    with zeros to as many digits as count - 1 has (its export_controller.cpp)."""
    return f"chats/chat_{index:0{len(str(max(count - 1, 0)))}d}"


def _jobs(
    chats: Sequence[ArchiveChat],
    staging: Path,
    tde: bool,
    html: bool,
    since: int | None,
    until: int | None,
    copy: bool,
) -> list[ChatJob]:
    jobs = []
    for index, chat in enumerate(chats, 1):
        relative = chat_folder(index, len(chats))
        jobs.append(
            ChatJob(
                index=index,
                name=chat.name,
                type=chat.type,
                peer_id=chat.id,
                backup_folder=chat.folder,
                export_folder=staging / relative,
                relative=relative,
                tde=tde,
                html=html,
                since=since,
                until=until,
                copy_files=copy,
            )
        )
    return jobs


def _sizes(jobs: list[ChatJob]) -> dict[int, int]:
    """Each chat's messages.jsonl size (0 when it cannot be looked at)."""
    sizes = {}
    for job in jobs:
        try:
            sizes[job.index] = (job.backup_folder / JSONL).lstat().st_size
        except OSError:
            sizes[job.index] = 0
    return sizes


def _parts(jobs: list[ChatJob], sizes: dict[int, int], staging: Path, workers: int) -> list[Part]:
    """The chats cut into parts: a chat exported only as JSON, when big, into several, so
    that the workers share the work; a chat with HTML pages in one (pages are numbered)."""
    target = max(PART_BYTES, sum(sizes.values()) // (workers * 4) + 1)
    parts: list[Part] = []
    for job in jobs:
        count = 1 if job.html or workers == 1 else -(-sizes[job.index] // target)
        try:
            ranges = split_points(job.backup_folder / JSONL, count)
        except OSError:
            ranges = [(0, None)]
        for number, (start, end) in enumerate(ranges):
            name = f"{job.index}-{number}"
            single, account = (
                staging / PARTS / f"{name}.single",
                staging / PARTS / f"{name}.account",
            )
            last = number == len(ranges) - 1
            size = (sizes[job.index] if end is None else end) - start
            parts.append(Part(job, number, start, end, single, account, last, size))
    # In the order they are joined, so that joining goes on while the workers work; no part
    # is more than about a quarter of a worker's share, so none is left alone long at the end.
    return parts


def _first_things_first(parts: list[Part]) -> list[Part]:
    """The order the workers take the parts in: as they are joined, so that joining goes on
    while the workers work; but when chats are not cut (HTML pages are numbered: one part a
    chat), the biggest first, so that no big chat is started last, alone, while the other
    workers have nothing left to do."""
    if all(part.last and part.number == 0 for part in parts):
        return sorted(parts, key=lambda part: -part.size)
    return parts


_PROGRESS: Any = None


def _worker_init(channel: Any) -> None:
    global _PROGRESS
    _PROGRESS = channel


def _report(index: int, number: int, lines: int) -> None:
    _PROGRESS.put((index, number, lines))


def _export_in_worker(part: Part) -> PartDone:
    return export_part(part, _report)


def _run_parts(
    parts: list[Part],
    workers: int,
    progress: Progress | None,
    total: int,
    joiner: _Joiner | None,
) -> list[PartDone]:
    seen: dict[tuple[int, int], int] = {}

    def note(index: int, number: int, lines: int) -> None:
        seen[index, number] = lines
        if progress is not None:
            progress(sum(seen.values()), total)

    def finished(result: PartDone) -> PartDone:
        if joiner is not None:
            joiner.add(result)
        return result

    if workers == 1:
        return [finished(export_part(part, note)) for part in parts]
    context = multiprocessing.get_context("spawn")
    channel = context.Queue()
    try:
        with ProcessPoolExecutor(workers, context, _worker_init, (channel,)) as pool:
            pending = {pool.submit(_export_in_worker, part) for part in _first_things_first(parts)}
            done: list[PartDone] = []
            while pending:
                ready, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                while True:
                    try:
                        note(*channel.get_nowait())
                    except queue.Empty:
                        break
                done.extend(finished(future.result()) for future in ready)
            # In the chats' order (as one process gives them), not in the order they ended.
            return sorted(done, key=lambda result: (result.index, result.number))
    except BrokenProcessPool as exc:
        raise ExportError(
            _("a worker process of the export stopped: {reason}").format(reason=exc)
        ) from exc


def _append(out: BinaryIO, path: Path) -> None:
    """The bytes of ``path`` at the end of ``out`` (in the kernel where it can)."""
    out.flush()
    with open(path, "rb") as source:
        size = os.fstat(source.fileno()).st_size
        copied = 0
        try:
            while copied < size:
                step = os.copy_file_range(source.fileno(), out.fileno(), size - copied)
                if step == 0:
                    break
                copied += step
        except (AttributeError, OSError):
            source.seek(copied)
            out.seek(0, os.SEEK_END)
            shutil.copyfileobj(source, out, 1 << 20)
            return
        out.seek(0, os.SEEK_END)


class _Joiner:
    """Joins the parts, in order, into each chat's result.json and the whole-account one,
    as they are done: the parent process does it while the workers export what follows."""

    def __init__(self, staging: Path, jobs: list[ChatJob], parts: list[Part]) -> None:
        self.jobs = {job.index: job for job in jobs}
        self.last_index = jobs[-1].index
        self.order = parts  # as _parts made them: chat by chat, part by part
        self.done: dict[tuple[int, int], PartDone] = {}
        self.next = 0
        self.account: BinaryIO = open(staging / "result.json", "wb")  # noqa: SIM115
        self.account.write(b'{\n "about": ' + dumps(ABOUT) + b',\n "chats": {\n')
        self.account.write(b'  "about": ' + dumps(ABOUT_CHATS) + b',\n  "list": [\n')
        self.single: BinaryIO | None = None
        self.started = False  # whether the open chat has a message yet

    def add(self, part: PartDone) -> None:
        """One part is done; join every part that now can be."""
        self.done[part.index, part.number] = part
        while self.next < len(self.order):
            part_ = self.order[self.next]
            result = self.done.get((part_.job.index, part_.number))
            if result is None:
                return
            self._join(part_, result)
            self.next += 1

    def _join(self, part: Part, result: PartDone) -> None:
        job = part.job
        if part.number == 0:
            self.single = open(job.export_folder / "result.json", "wb")  # noqa: SIM115
            self.single.write((chat_header(job, "") + "\n  ").encode())
            self.account.write((chat_header(job, "   ") + "\n     ").encode())
            self.started = False
        assert self.single is not None
        if result.messages:
            if self.started:
                self.single.write(SINGLE_SEPARATOR)
                self.account.write(ACCOUNT_SEPARATOR)
            _append(self.single, part.single)
            _append(self.account, part.account)
            self.started = True
        part.single.unlink()
        part.account.unlink()
        if result.last:
            self.single.write(b"\n ]\n}\n")
            self.single.close()
            self.single = None
            end = b"\n    ]\n   }" + (b",\n" if job.index != self.last_index else b"\n")
            self.account.write(end)

    def finish(self) -> None:
        """Close the whole-account result.json (every part must have been joined)."""
        assert self.next == len(self.order)
        self.account.write(b"  ]\n }\n}\n")
        self.account.close()

    def close(self) -> None:
        """Close what is open (after a failure)."""
        for handle in (self.single, self.account):
            if handle is not None and not handle.closed:
                handle.close()


def remove_stale_staging(parent: Path) -> list[Path]:
    """Remove the hidden folders that exports killed before they could clean up left in
    ``parent`` (`STAGING`: .OUT.partial-PID); which were removed.

    Only tgtui's own: a folder so named, the user's, whose process is gone, and holding only
    what an export writes. Anything else is left alone.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        found = STAGING.fullmatch(entry.name)
        if found is None or int(found["pid"]) == os.getpid():
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISDIR(info.st_mode) or owned_by_someone_else(info):
                continue
            if not process_gone(int(found["pid"])):
                continue
            if not set(os.listdir(entry.path)) <= EXPORT_NAMES:
                continue
            shutil.rmtree(entry.path)
        except OSError:
            continue  # gone meanwhile, or not ours to remove: left as it is
        removed.append(Path(entry.path))
    return removed


def export_backup(
    archive: Archive,
    destination: Path,
    fmt: str,
    chats: Sequence[ArchiveChat] | None = None,
    since: int | None = None,
    until: int | None = None,
    progress: Progress | None = None,
    parallel: bool | None = None,
    copy: bool = False,
) -> ExportSummary:
    """Export ``chats`` (default: all) of ``archive`` into ``destination`` (which must not
    exist) as ``fmt`` ("tde", "html" or "both"). ExportError if it cannot.

    Everything it writes is private (0600 files, 0700 folders). The media are hard links to
    the backup's files where the disk allows, or copies with ``copy`` (or where it does not).
    """
    if fmt not in FORMATS:
        raise ExportError(
            _("unknown format {format}: choose tde, html or both").format(format=repr(fmt))
        )
    chosen = list(archive.chats if chats is None else chats)
    if not chosen:
        raise ExportError(_("there is no chat to export"))
    destination = destination.expanduser()
    if destination.exists():
        raise ExportError(
            _("{folder} already exists: choose a new folder").format(folder=destination)
        )
    parent = destination.parent
    if not parent.is_dir():
        raise ExportError(_("{folder} is not a folder").format(folder=parent))
    remove_stale_staging(parent)
    staging = parent / f".{destination.name}.partial-{os.getpid()}"
    tde, html = fmt in ("tde", "both"), fmt in ("html", "both")
    try:
        # Private from the first byte, in this process and the workers it starts (they
        # inherit the umask), whatever writes the file; English as Telegram Desktop's export.
        with private_umask(), speaking(ENGLISH):
            staging.mkdir(mode=0o700)
            (staging / PARTS).mkdir(mode=0o700)
            jobs = _jobs(chosen, staging, tde, html, since, until, copy)
            total = sum(max(chat.messages, 0) for chat in chosen)  # lines, as the manifest says
            sizes = _sizes(jobs)
            if parallel is None:
                parallel = sum(sizes.values()) >= PARALLEL_BYTES
            workers = max(1, os.cpu_count() or 1) if parallel else 1
            parts = _parts(jobs, sizes, staging, workers)
            joiner = _Joiner(staging, jobs, parts) if tde else None
            try:
                results = _run_parts(parts, min(workers, len(parts)), progress, total, joiner)
                if joiner is not None:
                    joiner.finish()
            finally:
                if joiner is not None:
                    joiner.close()
            shutil.rmtree(staging / PARTS)
            messages: dict[int, int] = {}
            for result in results:
                messages[result.index] = messages.get(result.index, 0) + result.messages
            if html:
                write_style(staging)
                listed = [(j.name, j.type, j.relative, messages.get(j.index, 0)) for j in jobs]
                write_index(staging, "Telegram export", listed, with_json=tde)
            os.rename(staging, destination)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        where = exc.filename or destination
        raise ExportError(
            _("cannot write the export ({where}): {reason}").format(
                where=where, reason=exc.strerror or exc
            )
        ) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    summary = ExportSummary(destination, chats=len(jobs))
    for result in results:
        summary.messages += result.messages
        summary.unreadable += result.unreadable
        summary.files_linked += result.files.linked
        summary.files_copied += result.files.copied
        summary.files_missing += result.files.missing
        summary.problems.extend(result.problems)
        summary.problems.extend(result.files.problems)
    return summary
