"""Pictures of saved messages, decoded safely: which file of a message is a picture, the box
it takes on screen, and its pixels made small, from a file that may have come from a stranger.

No Textual: the reader draws what this returns (`tgtui.widgets.picture_rows`). Pillow is
imported on the first decode only (in the reader's picture thread), so opening a backup,
searching or exporting never loads it.

Every file is hostile until decoded: it is read through `tgtui.format.safe_files` (a regular
file with no link on its way, at most `MAX_FILE_BYTES`), only the formats a chat's pictures
come in are tried, a picture of more than `MAX_PIXELS` pixels is refused from its header
before a pixel is decoded (Pillow's own decompression-bomb limit is set to it too), and any
failure is a `Refused` with a reason in words: never an exception out of `decode`.
"""

from __future__ import annotations

import io
import struct
import threading
import warnings
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from tgtui.archive.wording import media_file
from tgtui.format.avatars import saved_thumbnail
from tgtui.format.records import non_negative
from tgtui.format.safe_files import TooBig, read_small
from tgtui.i18n import _, number

if TYPE_CHECKING:
    from PIL.Image import Image

Record = dict[str, Any]

MAX_FILE_BYTES = 24 * 1024 * 1024  # Telegram's photos are at most 10 MB, stickers 512 KB
MAX_PIXELS = 40_000_000  # a 10,000 x 4,000 panorama; a photo is at most 2,560 on a side
# A size a record gives is believed up to this many pixels a side (JPEG's and WebP's own
# limits are 65,535 and 16,383), and its shape up to this ratio of its sides (Telegram's
# limit for a photo is 20): a box is never a hair-thin line.
MAX_SIDE = 65_535
MAX_SHAPE = 20
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")  # what a chat's pictures come in
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp"})
STILL_STICKERS = frozenset({"image/webp", "image/png"})
# Telegram sends an animated sticker as a .tgs (Lottie) and a video one as a .webm: tgtui
# draws neither, but draws the still thumbnail the backup saves of them (`picture_of`), and
# their emoji where none is saved (`sticker_emoji`).
ANIMATED_STICKERS = frozenset({"application/x-tgsticker", "video/webm"})


@dataclass(frozen=True)
class PictureSource:
    """A message's picture: its file and what the message says of it."""

    path: Path
    width: int | None  # pixels, as the message says (None: not said)
    height: int | None
    moving: bool  # a GIF or a video: drawn with a ▶ and its length
    duration: int | None  # seconds
    shape_only: bool = False  # the size is its thumbnail's: its shape, not its own pixels


@dataclass(frozen=True)
class Refused:
    """A picture that is not drawn, and why (one line for the reader)."""

    reason: str


@dataclass(frozen=True)
class Box:
    """Where a picture goes: columns and rows of the terminal, and the pixels it is made to
    fit (the picture keeps its shape inside them)."""

    columns: int
    rows: int
    pixel_width: int
    pixel_height: int


def sticker_emoji(record: Record) -> str | None:
    """The emoji an animated or video sticker stands for, shown where no still frame of it
    is saved (`picture_of` finds none); None for any other message."""
    if record.get("media_type") != "sticker":
        return None
    mime = record.get("mime_type")
    name = record.get("file_name")
    animated = mime in ANIMATED_STICKERS or (
        isinstance(name, str) and name.lower().endswith((".tgs", ".webm"))
    )
    emoji = record.get("sticker_emoji")
    if animated and isinstance(emoji, str) and emoji:
        return emoji
    return None


# Media whose thumbnail the backup saves and the reader draws in the file's place (when the
# file itself is not saved, or is not a picture): a ▶ on those that move. A link preview's
# thumbnail is its picture (the page's photo), drawn under it the same way.
PREVIEWED = frozenset(
    {"photo", "sticker", "animation", "video_file", "video_message", "file", "web_page"}
)
MOVING = frozenset({"animation", "video_file", "video_message"})


def picture_of(record: Record, folder: Path) -> PictureSource | None:
    """The picture a message shows: its saved file if that is a picture (a photo, a still
    sticker, a GIF's first frame, a picture sent as a file), else its saved thumbnail (a
    video's with a ▶, an animated or video sticker's still frame, a link preview's picture).
    A file that is not there, or refused (a link, a FIFO...), gives None: the media line
    says why.

    Its size is the one the record says: the media's own (``width``, ``height``: a photo's or
    a video's), else its thumbnail's (``thumbnail_width``, ``thumbnail_height``: a link
    preview's picture, a sticker, a file); a side that is not a whole number of pixels from 1
    to `MAX_SIDE` is not believed (the picture's shape is then unknown: a square box)."""
    kind = record.get("media_type")
    mime = record.get("mime_type")
    moving = kind in MOVING or mime == "image/gif"
    path = _full_picture(record, folder)
    full = path is not None
    if path is None and kind in PREVIEWED:
        path = saved_thumbnail(record, folder)
    if path is None:
        return None
    size = record_size(record.get("width"), record.get("height"))
    shape_only = False
    if size is None:
        size = record_size(record.get("thumbnail_width"), record.get("thumbnail_height"))
        shape_only = full and size is not None  # the file drawn is bigger than its thumbnail
    width, height = size if size is not None else (None, None)
    return PictureSource(
        path=path,
        width=width,
        height=height,
        moving=moving,
        duration=non_negative(record.get("duration_seconds")),
        shape_only=shape_only,
    )


def record_size(width: object, height: object) -> tuple[int, int] | None:
    """A width and height a record gives, in pixels, if both are believed: whole numbers
    (not booleans) from 1 to `MAX_SIDE`."""
    if type(width) is not int or type(height) is not int:
        return None
    if 0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE:
        return width, height
    return None


def _full_picture(record: Record, folder: Path) -> Path | None:
    """The message's saved file, if it is a picture tgtui draws."""
    kind = record.get("media_type")
    mime = record.get("mime_type")
    name = record.get("file_name") or record.get("file")
    lowered = name.lower() if isinstance(name, str) else ""
    if kind == "photo":
        pass
    elif kind == "sticker":
        if mime not in STILL_STICKERS and not lowered.endswith((".webp", ".png")):
            return None
    elif kind in ("animation", "file", None):
        if mime not in IMAGE_TYPES:
            return None
    else:
        return None  # videos, voice, audio: not pictures (a video's thumbnail is)
    return media_file(record, folder)[0]


def box_for(
    source: PictureSource,
    max_columns: int,
    max_rows: int,
    cell: tuple[int, int],
) -> Box:
    """The box a picture takes: as big as fits ``max_columns`` x ``max_rows`` with the shape
    the message gives it (square when it gives none), for cells of ``cell`` pixels (width,
    height), so that the picture fills it (no blank rows under a wide one). Never bigger than
    twice the picture itself, where its own size is known."""
    cell_width, cell_height = cell
    size = record_size(source.width, source.height)
    width, height = size if size is not None else (1, 1)
    shape = min(MAX_SHAPE, max(1 / MAX_SHAPE, width / height))
    rows = max(1, max_rows)
    columns = round(rows * cell_height * shape / cell_width)
    if columns > max_columns:
        columns = max(1, max_columns)
        rows = max(1, round(columns * cell_width / (shape * cell_height)))
    if size is not None and not source.shape_only:
        # A small picture (a 100-pixel sticker) is not blown up past twice its size.
        columns = max(1, min(columns, 2 * width // cell_width or 1))
        rows = max(1, min(rows, round(columns * cell_width / (shape * cell_height))))
    return Box(columns, rows, columns * cell_width, rows * cell_height)


def decode(
    path: Path, width: int, height: int, background: tuple[int, int, int]
) -> Image | Refused:
    """The picture in ``path`` made to fit ``width`` x ``height`` pixels (its shape kept),
    in RGB, transparency laid over ``background``; or why it cannot be drawn. Only the first
    frame of an animation is read."""
    try:
        data = read_small(path, MAX_FILE_BYTES)
    except TooBig:
        return Refused(_("it is too big to draw ({size} MB at most)").format(size=24))
    except OSError as exc:
        return Refused(exc.strerror or str(exc))
    from PIL import Image as PILImage  # here: only the picture thread needs Pillow
    from PIL import UnidentifiedImageError

    PILImage.MAX_IMAGE_PIXELS = MAX_PIXELS  # twice this raises DecompressionBombError
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(io.BytesIO(data), formats=FORMATS) as picture:
                if picture.width * picture.height > MAX_PIXELS:
                    return Refused(
                        _("it is too big to draw ({pixels} pixels)").format(
                            pixels=f"{picture.width}x{picture.height}"
                        )
                    )
                picture.draft("RGB", (width, height))  # JPEG: decoded at 1/2, 1/4, 1/8 size
                picture.thumbnail((max(1, width), max(1, height)), PILImage.Resampling.BILINEAR)
                return _flatten(picture, background)
    except UnidentifiedImageError:
        return Refused(_("it is not a picture in a format tgtui draws (JPEG, PNG, WebP, GIF)"))
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        return Refused(
            _("it is too big to draw (more than {pixels} pixels)").format(pixels=number(MAX_PIXELS))
        )
    except (
        OSError,  # truncated, damaged
        ValueError,
        SyntaxError,  # Pillow's word for a broken PNG or GIF
        EOFError,
        IndexError,
        struct.error,
        zlib.error,
        MemoryError,
    ) as exc:
        return Refused(_("it is a damaged picture ({reason})").format(reason=_short(exc)))


def _flatten(picture: Image, background: tuple[int, int, int]) -> Image:
    from PIL import Image as PILImage

    if picture.mode in ("RGBA", "LA", "PA") or (
        picture.mode == "P" and "transparency" in picture.info
    ):
        rgba = picture.convert("RGBA")
        flat = PILImage.new("RGB", rgba.size, background)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return picture.convert("RGB")


def _short(exc: BaseException) -> str:
    words = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return words[:120]


Key = TypeVar("Key")
Value = TypeVar("Value")


class ByteCache(Generic[Key, Value]):
    """The most recently used values up to ``budget`` bytes (each value's size given by
    ``size_of``); the least recently used go first, handed to ``dropped`` (to free what a
    terminal holds of them). Safe to use from threads."""

    def __init__(
        self,
        budget: int,
        size_of: Callable[[Value], int],
        dropped: Callable[[Value], None] | None = None,
    ) -> None:
        self.budget = budget
        self._size_of = size_of
        self._dropped = dropped
        self._items: OrderedDict[Key, tuple[Value, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.used = 0

    def get(self, key: Key) -> Value | None:
        """The value, now the most recently used; None if it is not kept."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def put(self, key: Key, value: Value) -> None:
        """Keep ``value`` (the oldest go while the budget is exceeded; one value bigger than
        the whole budget is still kept, alone)."""
        size = max(1, self._size_of(value))
        gone: list[Value] = []
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.used -= old[1]
                gone.append(old[0])
            self._items[key] = (value, size)
            self.used += size
            while self.used > self.budget and len(self._items) > 1:
                _key, (oldest, oldest_size) = self._items.popitem(last=False)
                self.used -= oldest_size
                gone.append(oldest)
        if self._dropped is not None:
            for value_gone in gone:
                self._dropped(value_gone)

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            gone = [value for value, _size in self._items.values()]
            self._items.clear()
            self.used = 0
        if self._dropped is not None:
            for value in gone:
                self._dropped(value)
