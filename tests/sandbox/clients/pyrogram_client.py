"""A Pyrogram-family client (pyrofork, from PyPI), unmodified, against the tgtui sandbox: a
fresh login (code and 2FA password), every dialog, one chat's whole history and its count, a
search paged to its end, and two downloads from DC 1: a photo and a document of several
parts. The only changes are the ones any test server needs: trust the sandbox's RSA key and
dial its ports. Prints one JSON object on stdout.

Usage: python pyrogram_client.py '<json config>' (see tests/sandbox/test_independent_clients.py)
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
from io import BytesIO
from typing import Any

import pyrogram
from pyrogram import errors, raw
from pyrogram.connection import connection as pyrogram_connection
from pyrogram.crypto import rsa as pyrogram_rsa


def _patch(cfg: dict[str, Any]) -> None:
    """Trust the sandbox's key and dial its port for each DC."""
    pyrogram_rsa.server_public_keys[int(cfg["fingerprint"])] = pyrogram_rsa.PublicKey(
        int(cfg["n"]), int(cfg["e"])
    )

    def data_center(
        dc_id: int, test_mode: bool, ipv6: bool, alt_port: bool, media: bool
    ) -> tuple[str, int]:
        return cfg["host"], int(cfg["ports"][str(dc_id)])

    setattr(pyrogram_connection, "DataCenter", data_center)  # noqa: B010 - not exported


async def _download(app: pyrogram.Client, message: pyrogram.types.Message) -> dict[str, Any]:
    """A message's media, downloaded into memory: its message id, size and digest."""
    data = await app.download_media(message, in_memory=True)
    assert isinstance(data, BytesIO)
    body = data.getvalue()
    return {"id": message.id, "size": len(body), "sha256": hashlib.sha256(body).hexdigest()}


async def _main(cfg: dict[str, Any]) -> dict[str, Any]:
    _patch(cfg)
    app = pyrogram.Client(
        "sandbox", api_id=cfg["api_id"], api_hash=cfg["api_hash"], in_memory=True, no_updates=True
    )
    await app.connect()
    sent = await app.send_code(cfg["phone"])
    try:
        await app.sign_in(cfg["phone"], sent.phone_code_hash, cfg["code"])
    except errors.SessionPasswordNeeded:
        await app.check_password(cfg["password"])
    out: dict[str, Any] = {"layer": raw.all.layer}
    me = await app.get_me()
    out["me"] = str(me.id)
    dialogs = app.get_dialogs()
    assert dialogs is not None
    out["dialogs"] = [str(dialog.chat.id) async for dialog in dialogs]
    chat = int(cfg["chat"])
    pages = app.get_chat_history(chat)
    assert pages is not None
    history = [message async for message in pages]
    out["history"] = {
        "total": await app.get_chat_history_count(chat),
        "ids": [message.id for message in history],
    }
    search = app.search_messages(chat, query=cfg["search"])
    assert search is not None
    found = [message async for message in search]
    out["search"] = {
        "total": await app.search_messages_count(chat, query=cfg["search"]),
        "ids": [message.id for message in found],
    }
    photo = next((message for message in history if message.photo), None)
    if photo is not None:
        out["photo"] = await _download(app, photo)
    message = await app.get_messages(int(cfg["document"]["chat"]), int(cfg["document"]["id"]))
    assert isinstance(message, pyrogram.types.Message)
    assert message.document is not None
    out["document"] = await _download(app, message)
    await app.disconnect()
    return out


if __name__ == "__main__":
    result = asyncio.run(_main(json.loads(sys.argv[1])))
    print(json.dumps(result))
