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
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from tgtui.archive.folder import JSONL, Archive, ArchiveChat
from tgtui.export import html_parts
from tgtui.export.account_tde import AccountData, after_chats, before_chats, read_account
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
from tgtui.export.html_account import ACCOUNT_NAMES, AccountPages, write_account_pages
from tgtui.export.html_pages import CSS_PATH, STATS_PAGE, PagesDone
from tgtui.export.html_stats import StatsChat, StatsPages
from tgtui.export.html_topics import export_topics
from tgtui.export.site import write_index, write_style
from tgtui.format.media_paths import AVATARS
from tgtui.format.safe_files import is_regular
from tgtui.format.topics import topics_path
from tgtui.i18n import ENGLISH, _, speaking
from tgtui.portable import owned_by_someone_else, process_gone
from tgtui.private_files import private_umask

FORMATS = ("tde", "html", "both")

# Below this much JSONL in all, worker processes cost more than they save.
PARALLEL_BYTES = 32 * 1024 * 1024
# A big chat exported only as JSON is cut into parts of at least this much.
PART_BYTES = 8 * 1024 * 1024
# A big chat exported as HTML (cut where a page starts, after a first look) into at least this.
HTML_PART_BYTES = 16 * 1024 * 1024
# Where the parts are written before they are joined (inside the hidden staging folder).
PARTS = ".parts"
# The hidden folder an export is written into: .OUT.partial-PID, beside OUT.
STAGING = re.compile(r"\.(?P<name>.+)\.partial-(?P<pid>[0-9]{1,9})")
# What an export writes at its top: a staging folder holding anything else is not ours.
EXPORT_NAMES = frozenset(
    {"result.json", "index.html", STATS_PAGE, "chats", AVATARS, Path(CSS_PATH).parts[0], PARTS}
    | ACCOUNT_NAMES
)

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


def is_forum(folder: Path) -> bool:
    """Whether the backup kept a forum's topics for the chat in ``folder`` (a regular
    topics.jsonl, reached through no link)."""
    return is_regular(topics_path(folder))


def _jobs(
    chats: Sequence[ArchiveChat],
    staging: Path,
    tde: bool,
    html: bool,
    since: int | None,
    until: int | None,
    copy: bool,
    backup_root: Path | None = None,
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
                backup_root=backup_root,
                forum=html and is_forum(chat.folder),
            )
        )
    return jobs


def _topic_parts(jobs: list[ChatJob], sizes: dict[int, int], staging: Path) -> list[Part]:
    """A forum's topic pages, one work each (`tgtui.export.html_topics`)."""
    return [
        Part(
            job,
            0,
            0,
            None,
            staging / PARTS / f"{job.index}-topics.single",
            staging / PARTS / f"{job.index}-topics.account",
            True,
            sizes[job.index],
            topics=True,
        )
        for job in jobs
        if job.forum
    ]


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
    that the workers share the work; a chat with HTML pages in one (pages are numbered: a
    big one is cut by the workers, `_html_cuts`)."""
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


def _html_cuts(parts: list[Part], workers: int) -> dict[int, int]:
    """The chats with HTML pages to cut where a page starts, into how many parts (chat index
    -> parts): each one big enough that one worker alone on it would be left alone at the end
    (as JSON-only chats are cut), unless it is filtered by date (its pages then hold the
    messages of the dates asked for, which a first look at the lines cannot count)."""
    if workers <= 1:
        return {}
    target = max(HTML_PART_BYTES, sum(part.size for part in parts) // (workers * 4) + 1)
    return {
        part.job.index: -(-part.size // target)
        for part in parts
        if part.job.html
        and part.number == 0
        and part.last
        and part.size > target
        and part.job.since is None
        and part.job.until is None
    }


def _first_things_first(parts: list[Part]) -> list[Part]:
    """The order the workers take the parts in: as they are joined, so that joining goes on
    while the workers work; but when chats are not cut (HTML pages are numbered: one part a
    chat, until a first look cuts a big one, `_Plan`), the biggest first, so that no big chat
    is started last, alone, while the other workers have nothing left to do."""
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
    if part.topics:
        return export_topics(part)
    return export_part(part, None if part.again else _report)


def _cut_in_worker(whole: Part, count: int) -> list[tuple[int, int]] | None:
    try:
        return html_parts.cut(whole.job.backup_folder / JSONL, count, _ids(whole))
    except OSError:
        return None  # the chat is exported in one part, which says why it cannot be read


def _ids(whole: Part) -> Path:
    """Where the ids of a chat cut at pages are kept while it is exported (`Continued.ids`)."""
    return whole.single.parent / f"{whole.job.index}.ids"


class _Plan:
    """What the workers do next: the chats to cut at pages looked at first, then pages to
    write again, then the parts (biggest first, or in the order they are joined)."""

    def __init__(
        self,
        parts: list[Part],
        cuts: dict[int, int],
        joiner: _Joiner | None,
        topics: list[Part] | None = None,
    ) -> None:
        self.by_size = joiner is None or all(part.last and part.number == 0 for part in parts)
        self.joiner = joiner
        self.queue = list(_first_things_first(parts))
        # The biggest first (or in the order they are joined), as the parts they are cut into
        self.cutting = [
            (part, cuts[part.job.index]) for part in self.queue if part.job.index in cuts
        ]
        self.queue = [part for part in self.queue if part.job.index not in cuts]
        # Forums' topic pages: after the rest, the biggest first (nothing waits for them)
        self.queue.extend(sorted(topics or [], key=lambda part: -part.size))
        self.topics_done: list[PartDone] = []
        self.again: list[Part] = []
        # A chat cut at pages: its parts, and what each wrote of its pages so far
        self.made: dict[int, tuple[list[Part], dict[int, PagesDone | None]]] = {}

    def next(self) -> tuple[Part, int] | None:
        """The next work for a free worker, None if none is ready: (a chat, the parts to cut it
        into) to look at first, or (a part, 0) to export."""
        if self.cutting:
            return self.cutting.pop(0)
        if self.again:
            return self.again.pop(0), 0
        if self.queue:
            return self.queue.pop(0), 0
        return None

    def cut(self, whole: Part, starts: list[tuple[int, int]] | None) -> None:
        """A chat was looked at: its parts (or the chat in one part) join the queue."""
        made = [whole] if starts is None else html_parts.parts(whole, starts, _ids(whole))
        if starts is not None:
            self.made[whole.job.index] = (made, {})
            if self.joiner is not None:
                self.joiner.split(whole, made)
        self.queue.extend(made)
        if self.by_size:
            self.queue.sort(key=lambda part: -part.size)
        else:  # the order they are joined in: chat by chat, part by part (topics last)
            self.queue.sort(key=lambda part: (part.topics, part.job.index, part.number))

    def done(self, part: Part, result: PartDone) -> bool:
        """A part is done: whether it is one to join and count (not pages written again).
        The last part of a chat cut at pages settles what is written again."""
        if part.topics:
            self.topics_done.append(result)
            return False
        if part.again:
            return False
        if part.continued is not None:
            made, wrote = self.made[part.job.index]
            wrote[part.number] = result.pages
            if len(wrote) == len(made):
                del self.made[part.job.index]
                self.again.extend(html_parts.again(made, [wrote[n] for n in range(len(made))]))
        return True


def _run_parts(
    parts: list[Part],
    workers: int,
    progress: Progress | None,
    total: int,
    joiner: _Joiner | None,
    topics: list[Part] | None = None,
) -> tuple[list[PartDone], list[PartDone]]:
    """Every part exported (``topics``: the forums' topic pages too): what each part did,
    in the chats' order, and what each forum's topic pages did."""
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
        exported = [finished(export_part(part, note)) for part in parts]
        return exported, [export_topics(part) for part in topics or []]
    context = multiprocessing.get_context("spawn")
    channel = context.Queue()
    plan = _Plan(parts, _html_cuts(parts, workers), joiner, topics)
    try:
        with ProcessPoolExecutor(workers, context, _worker_init, (channel,)) as pool:
            # A part ahead of each worker, no more: the workers never wait for this process
            # (joining), and the plan says what comes next when one is free (a chat looked at
            # first is then cut into parts, which go before what is not started).
            running: dict[Future[Any], tuple[Part, int]] = {}
            done: list[PartDone] = []

            def submit() -> None:
                while len(running) < 2 * workers and (work := plan.next()) is not None:
                    part, count = work
                    if count:
                        running[pool.submit(_cut_in_worker, part, count)] = work
                    else:
                        running[pool.submit(_export_in_worker, part)] = work

            submit()
            while running:
                ready, _pending = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
                while True:
                    try:
                        note(*channel.get_nowait())
                    except queue.Empty:
                        break
                results = []
                for future in ready:
                    part, count = running.pop(future)
                    if count:  # a chat looked at
                        plan.cut(part, future.result())
                    elif plan.done(part, result := future.result()):
                        results.append(result)
                submit()  # before joining: the workers go on meanwhile
                done.extend(finished(result) for result in results)
            # In the chats' order (as one process gives them), not in the order they ended.
            ordered = sorted(done, key=lambda result: (result.index, result.number))
            return ordered, plan.topics_done
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

    def __init__(
        self,
        staging: Path,
        jobs: list[ChatJob],
        parts: list[Part],
        account_data: AccountData | None = None,
    ) -> None:
        self.jobs = {job.index: job for job in jobs}
        self.account_data = account_data or AccountData()
        self.last_index = jobs[-1].index
        self.order = list(parts)  # as _parts made them: chat by chat, part by part
        self.done: dict[tuple[int, int], PartDone] = {}
        self.next = 0
        self.account: BinaryIO = open(staging / "result.json", "wb")  # noqa: SIM115
        self.account.write(b'{\n "about": ' + dumps(ABOUT) + b",\n")
        # The account's own sections, in Telegram Desktop's order, before the chats.
        self.account.write(before_chats(self.account_data, staging) + b' "chats": {\n')
        self.account.write(b'  "about": ' + dumps(ABOUT_CHATS) + b',\n  "list": [\n')
        self.single: BinaryIO | None = None
        self.started = False  # whether the open chat has a message yet

    def split(self, whole: Part, parts: list[Part]) -> None:
        """A chat to be joined as ``whole`` was cut into ``parts``: joined as them."""
        at = next(n for n, part in enumerate(self.order) if part is whole)
        self.order[at : at + 1] = parts

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
        self.account.write(b"  ]\n }" + after_chats(self.account_data) + b"\n}\n")
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
    stats: StatsPages | None = None
    stats_problems: list[str] = []
    try:
        # Private from the first byte, in this process and the workers it starts (they
        # inherit the umask), whatever writes the file; English as Telegram Desktop's export.
        with private_umask(), speaking(ENGLISH):
            staging.mkdir(mode=0o700)
            (staging / PARTS).mkdir(mode=0o700)
            jobs = _jobs(chosen, staging, tde, html, since, until, copy, archive.folder)
            total = sum(max(chat.messages, 0) for chat in chosen)  # lines, as the manifest says
            sizes = _sizes(jobs)
            if parallel is None:
                parallel = sum(sizes.values()) >= PARALLEL_BYTES
            workers = max(1, os.cpu_count() or 1) if parallel else 1
            parts = _parts(jobs, sizes, staging, workers)
            # The account's own data (`tgtui backup --account`), for the whole-account file.
            account_data = read_account(archive.folder, copy=copy) if tde or html else AccountData()
            joiner = _Joiner(staging, jobs, parts, account_data) if tde else None
            cut = sum(count - 1 for count in _html_cuts(parts, workers).values())
            topics = _topic_parts(jobs, sizes, staging)  # forums' topic pages (html)
            if html:  # in a process of its own, meanwhile
                chosen_chats = [StatsChat(c, j.relative) for c, j in zip(chosen, jobs, strict=True)]
                stats = StatsPages.start(archive, chosen_chats, staging, since, until)
            try:
                at_once = min(workers, len(parts) + cut + len(topics))
                results, topics_done = _run_parts(parts, at_once, progress, total, joiner, topics)
                if joiner is not None:
                    joiner.finish()
            finally:
                if joiner is not None:
                    joiner.close()
            shutil.rmtree(staging / PARTS)
            if stats is not None:
                stats_problems, stats = stats.finish(), None
            messages: dict[int, int] = {}
            for result in results:
                messages[result.index] = messages.get(result.index, 0) + result.messages
            account_pages = AccountPages()
            if html:
                write_style(staging)
                account_pages = write_account_pages(staging, archive.folder, account_data, copy)
                listed = [(j.name, j.type, j.relative, messages.get(j.index, 0)) for j in jobs]
                write_index(
                    staging, "Telegram export", listed, with_json=tde, account=account_pages.block
                )
            os.rename(staging, destination)
    except OSError as exc:
        if stats is not None:
            stats.stop()
        shutil.rmtree(staging, ignore_errors=True)
        where = exc.filename or destination
        raise ExportError(
            _("cannot write the export ({where}): {reason}").format(
                where=where, reason=exc.strerror or exc
            )
        ) from exc
    except BaseException:
        if stats is not None:
            stats.stop()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    summary = ExportSummary(destination, chats=len(jobs))
    summary.problems.extend(account_data.problems)
    summary.problems.extend(stats_problems)
    summary.problems.extend(account_pages.tally.problems)
    for topic_pages in topics_done:
        summary.problems.extend(topic_pages.problems)
    summary.files_linked += account_pages.tally.linked
    summary.files_copied += account_pages.tally.copied
    summary.files_missing += account_pages.tally.missing
    summary.files_linked += account_data.files.linked  # the whole-account result.json's
    summary.files_copied += account_data.files.copied
    if not html:  # else the account pages counted the same files missing
        summary.files_missing += account_data.files.missing
    summary.unreadable += account_data.damaged
    for result in results:
        summary.messages += result.messages
        summary.unreadable += result.unreadable
        summary.files_linked += result.files.linked
        summary.files_copied += result.files.copied
        summary.files_missing += result.files.missing
        summary.problems.extend(result.problems)
        summary.problems.extend(result.files.problems)
    return summary
