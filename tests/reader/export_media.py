"""Real media for the HTML export's browser tests: files a browser decodes, of each kind a
chat holds, and a chat of a backup that shows them all.

The sandbox serves real pictures for photos only (a PNG, then noise); its stickers, videos
and voice messages are noise of the right size, which no browser decodes. So a test puts real
files in their place in its copy of the backup: a WebP sticker and a JPEG photo (Pillow), a
WAV for voice and music, and a WebM for GIFs and videos, recorded by Chromium itself (its
MediaRecorder, on a page of its own). A browser finds what a file holds by its bytes, not
its name: a WebM named .mp4 plays, as a WAV named .oga does.
"""

from __future__ import annotations

import base64
import io
import json
import math
import struct
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.reader.stranger import DATE, Chat, line, message, write_backup

# Chromium records a few frames of a canvas changing colour as a WebM (VP8).
_RECORD = """
async () => {
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 48;
  const pen = canvas.getContext("2d");
  const recorder = new MediaRecorder(canvas.captureStream(10), {mimeType: "video/webm"});
  const parts = [];
  recorder.ondataavailable = e => parts.push(e.data);
  const stopped = new Promise(done => { recorder.onstop = done; });
  recorder.start();
  for (let i = 0; i < 8; i++) {
    pen.fillStyle = `hsl(${i * 40}, 70%, 50%)`;
    pen.fillRect(0, 0, 64, 48);
    await new Promise(done => setTimeout(done, 60));
  }
  recorder.stop();
  await stopped;
  const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
  let text = "";
  for (const b of bytes) { text += String.fromCharCode(b); }
  return btoa(text);
}
"""

# Every <img>, <video> and <audio> of a page loaded and decoded (or failed): [tag, src, ok].
DECODE_ALL = """
async () => {
  const all = Array.from(document.querySelectorAll("img, video, audio"));
  return await Promise.all(all.map(e => new Promise(done => {
    const src = e.getAttribute("src");
    if (e.tagName === "IMG") {
      e.loading = "eager";
      e.decode().then(() => done(["IMG", src, e.naturalWidth > 0]),
                      () => done(["IMG", src, false]));
      return;
    }
    const ready = () => done([e.tagName, src,
      e.tagName === "AUDIO" ? e.duration > 0 : e.videoWidth > 0]);
    if (e.readyState >= 2) { ready(); return; }
    e.addEventListener("loadeddata", ready);
    e.addEventListener("error", () => done([e.tagName, src, false]));
    e.preload = "auto";
    e.load();
  })));
}
"""


@dataclass(frozen=True)
class RealMedia:
    """One decodable file of each kind a chat's media come in."""

    webm: bytes  # a short video (GIFs, videos, round videos, video stickers)
    wav: bytes  # a second of sound (voice messages, music)
    webp: bytes  # a sticker
    jpeg: bytes  # a photo

    def for_kind(self, kind: str, mime: object = "image/webp") -> bytes | None:
        """The file for a message's media_type and mime type (None: keep what is there)."""
        if kind in ("animation", "video_file", "video_message"):
            return self.webm
        if kind in ("voice_message", "audio_file"):
            return self.wav
        if kind == "sticker" and mime == "video/webm":  # a video sticker: a WebM
            return self.webm
        if kind == "sticker" and mime == "image/webp":  # (an animated one, TGS, is no picture)
            return self.webp
        return None


def real_media(page: Any) -> RealMedia:
    """The files, the video recorded by the Chromium of ``page``."""
    from PIL import Image

    page.goto("about:blank")
    webm = base64.b64decode(page.evaluate(_RECORD))
    sound = io.BytesIO()
    with wave.open(sound, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(
            b"".join(struct.pack("<h", int(6000 * math.sin(i / 5))) for i in range(8000))
        )
    pictures = []
    for fmt, colour in (("WEBP", (240, 180, 40, 255)), ("JPEG", (40, 120, 200, 255))):
        picture = io.BytesIO()
        mode = "RGBA" if fmt == "WEBP" else "RGB"
        Image.new(mode, (96, 72), colour[: len(mode)]).save(picture, fmt)
        pictures.append(picture.getvalue())
    return RealMedia(webm, sound.getvalue(), pictures[0], pictures[1])


def make_media_real(backup: Path, media: RealMedia) -> int:
    """Every saved file of the backup's chats that no browser could decode (noise) replaced
    by a real one of its kind; how many were."""
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    replaced = 0
    for chat in manifest["chats"]:
        folder = backup / chat["path"]
        jsonl = folder / "messages.jsonl"
        if not jsonl.is_file():
            continue
        for raw in jsonl.read_text(encoding="utf-8").splitlines():
            record = json.loads(raw)
            data = media.for_kind(str(record.get("media_type")), record.get("mime_type"))
            path = record.get("file")
            if data is not None and isinstance(path, str) and (folder / path).is_file():
                (folder / path).write_bytes(data)
                replaced += 1
    return replaced


HOSTILE = "<script>alert('pic')</script> \u202e\u0301x\ud800"


def media_chat(root: Path, media: RealMedia) -> Path:
    """A backup of one chat holding every kind of media, saved (real files), with senders
    whose messages group, a service message, replies on the page and hostile names."""
    files = {
        "media/photos/1.jpg": media.jpeg,
        "media/stickers/2.webp": media.webp,
        "media/animations/3.mp4": media.webm,
        "media/videos/4_clip.mp4": media.webm,
        "media/videos/5.mp4": media.webm,
        "media/voice/6.oga": media.wav,
        "media/audio/7_song.mp3": media.wav,
        "media/stickers/8.webm": media.webm,
    }
    shown: list[dict[str, Any]] = [
        message(1, "", media_type="photo", file="media/photos/1.jpg", width=96, height=72),
        message(2, "", media_type="sticker", file="media/stickers/2.webp", sticker_emoji="😀",
                mime_type="image/webp", width=512, height=512),
        message(3, "", media_type="animation", file="media/animations/3.mp4",
                mime_type="video/mp4", width=64, height=48),
        message(4, "a clip", media_type="video_file", file="media/videos/4_clip.mp4",
                file_name="clip.mp4", mime_type="video/mp4", width=64, height=48,
                duration_seconds=1, file_size=len(media.webm)),
        message(5, "", media_type="video_message", file="media/videos/5.mp4",
                mime_type="video/mp4", duration_seconds=1),
        message(6, "", media_type="voice_message", file="media/voice/6.oga",
                mime_type="audio/ogg", duration_seconds=7),
        message(7, "", media_type="audio_file", file="media/audio/7_song.mp3",
                mime_type="audio/mpeg", performer="The Band", title="A Song",
                duration_seconds=125),
        message(8, "", media_type="sticker", file="media/stickers/8.webm", sticker_emoji="🚀",
                mime_type="video/webm"),
    ]  # fmt: skip
    others: list[dict[str, Any]] = [
        message(9, "hello from Bea", **{"from": "Bea Lima", "from_id": "user2"}),
        message(10, "and again", **{"from": "Bea Lima", "from_id": "user2"}),
        message(11, "answering", reply_to_message_id=9),
        message(12, "I am <b>hostile</b>", **{"from": HOSTILE, "from_id": "user3"}),
        message(13, "quoting the hostile", reply_to_message_id=12),
        message(14, "", media_type="poll", poll={
            "question": "Lunch <where>?", "closed": False, "total_voters": 10,
            "answers": [{"text": "Here", "voters": 7, "chosen": True},
                        {"text": "<i>There</i>", "voters": 3}]}),
        message(15, "", media_type="video_file", file_name="big.mp4", file_size=10**9),
    ]  # fmt: skip
    service = {
        "id": 16,
        "type": "service",
        "date_unixtime": str(DATE + 16 * 60),
        "from": "Ana",
        "from_id": "user1",
        "action": "pin_message",
        "reply_to_message_id": 9,
    }
    records = [*shown, *others, service, message(17, "after the pin")]
    chat = Chat(-1001, "Media <Room>", [line(r) for r in records])
    write_backup(root, [chat])
    for path, data in files.items():
        (root / chat.path / path).parent.mkdir(parents=True, exist_ok=True)
        (root / chat.path / path).write_bytes(data)
    return root
