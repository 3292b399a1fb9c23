"""MTProto 2.0's service messages as the sandbox reads and writes them, without the socket:
rpc_result and rpc_error, gzip, the msg_id and seq_no rules (bad_msg_notification codes),
msgs_state_info, pong and future_salts (core.telegram.org/mtproto/service_messages and
service_messages_about_messages). `connection.Connection` decides when to send them.
"""

from __future__ import annotations

import gzip
import struct
import time
from typing import Any

from telethon.extensions import BinaryReader
from telethon.tl import functions, types
from telethon.tl.tlobject import TLObject

from tgtui.sandbox.rpc import RpcError
from tgtui.sandbox.state import SessionRecord

RPC_RESULT = 0xF35C6D01
MSG_CONTAINER = 0x73F1F8DC
GZIP_PACKED = 0x3072CFA1
MSGS_ACK = types.MsgsAck.CONSTRUCTOR_ID
MSGS_STATE_REQ = types.MsgsStateReq.CONSTRUCTOR_ID
PING = functions.PingRequest.CONSTRUCTOR_ID
PING_DELAY_DISCONNECT = functions.PingDelayDisconnectRequest.CONSTRUCTOR_ID
DESTROY_SESSION = functions.DestroySessionRequest.CONSTRUCTOR_ID
GET_FUTURE_SALTS = functions.GetFutureSaltsRequest.CONSTRUCTOR_ID
NOT_CONTENT_RELATED = frozenset({MSG_CONTAINER, MSGS_ACK})
# Pings "do not require acknowledgments" (core.telegram.org/mtproto/service_messages), yet
# many clients (Telethon) number them as content-related; mtcute numbers its msgs_ack as
# content-related too. Telegram takes either seq_no for these.
EITHER_PARITY = frozenset({PING, PING_DELAY_DISCONNECT, MSGS_ACK, MSGS_STATE_REQ})
# msgs_state_info's byte per msg_id (core.telegram.org/mtproto/service_messages_about_messages)
STATE_UNKNOWN, STATE_NOT_RECEIVED, STATE_TOO_HIGH, STATE_RECEIVED = 1, 2, 3, 4
STATE_PROCESSED = 32
GZIP_THRESHOLD = 16 * 1024
BOOL_TRUE, BOOL_FALSE = 0x997275B5, 0xBC799737
VECTOR = 0x1CB5C415
UPLOAD_FILE = struct.pack("<I", types.upload.File.CONSTRUCTOR_ID)
MAX_PAST = 300  # seconds a client msg_id may lag behind the server clock
MAX_FUTURE = 30  # seconds it may run ahead
SALT_LIFETIME = 86_400  # seconds a future salt is valid


def serialize_result(result: Any) -> bytes:
    """TL bytes of a handler's result: an object, raw bytes, or a vector of objects."""
    if isinstance(result, bytes):
        return result
    if isinstance(result, list):
        return struct.pack("<Ii", VECTOR, len(result)) + b"".join(bytes(x) for x in result)
    if isinstance(result, bool):  # boolTrue / boolFalse (Telethon has no classes for them)
        return struct.pack("<I", BOOL_TRUE if result else BOOL_FALSE)
    return bytes(result)


def rpc_result(req_msg_id: int, data: bytes) -> bytes:
    """rpc_result for ``req_msg_id``; a big answer gzip-packed when that is smaller (never a
    file part: clients count its bytes)."""
    if len(data) > GZIP_THRESHOLD and data[:4] != UPLOAD_FILE:
        packed = struct.pack("<I", GZIP_PACKED) + TLObject.serialize_bytes(
            gzip.compress(data, compresslevel=1)
        )
        if len(packed) < len(data):
            data = packed
    return struct.pack("<Iq", RPC_RESULT, req_msg_id) + data


def rpc_error(req_msg_id: int, error: RpcError) -> bytes:
    """rpc_result carrying rpc_error for ``req_msg_id``."""
    body = bytes(types.RpcError(error_code=error.code, error_message=error.message))
    return struct.pack("<Iq", RPC_RESULT, req_msg_id) + body


def gunzip(body: bytes) -> bytes:
    """The message inside gzip_packed."""
    with BinaryReader(body[4:]) as reader:
        return gzip.decompress(reader.tgread_bytes())


def header_error(msg_id: int, seq_no: int, body: bytes, now: float | None = None) -> int:
    """The bad_msg_notification code MTProto's msg_id and seq_no rules give a message, or 0
    when it keeps them: 16/17 msg_id too low/high for the clock, 18 not divisible by 4, 34/35
    seq_no of the wrong parity for a message that is not/is content-related."""
    now = time.time() if now is None else now
    if msg_id % 4:
        return 18
    if (msg_id >> 32) < now - MAX_PAST:
        return 16
    if (msg_id >> 32) > now + MAX_FUTURE:
        return 17
    if len(body) >= 4 and (kind := struct.unpack("<I", body[:4])[0]) not in EITHER_PARITY:
        content = kind not in NOT_CONTENT_RELATED
        if content and seq_no % 2 == 0:
            return 35
        if not content and seq_no % 2 == 1:
            return 34
    return 0


def bad_msg_notification(msg_id: int, seq_no: int, code: int) -> bytes:
    """bad_msg_notification for a message the server will not process."""
    return bytes(types.BadMsgNotification(bad_msg_id=msg_id, bad_msg_seqno=seq_no, error_code=code))


def msgs_state_info(session: SessionRecord, msg_id: int, body: bytes) -> bytes:
    """The answer to msgs_state_req ``body`` (sent as ``msg_id``): one byte per msg_id asked
    about, from what ``session`` has seen."""
    with BinaryReader(body) as reader:
        asked = reader.tgread_object()
    seen = set(session.seen)
    lowest = min(seen, default=0)
    info = bytearray()
    for asked_id in asked.msg_ids:
        if asked_id in seen:
            info.append(STATE_RECEIVED | STATE_PROCESSED)
        elif asked_id > session.highest_client_msg_id:
            info.append(STATE_TOO_HIGH)
        elif asked_id < lowest:
            info.append(STATE_UNKNOWN)
        else:
            info.append(STATE_NOT_RECEIVED)
    return bytes(types.MsgsStateInfo(req_msg_id=msg_id, info=bytes(info)))


def pong(msg_id: int, body: bytes) -> bytes:
    """The answer to ping or ping_delay_disconnect ``body``, sent as ``msg_id``."""
    (ping_id,) = struct.unpack("<q", body[4:12])
    return bytes(types.Pong(msg_id=msg_id, ping_id=ping_id))


def future_salts(msg_id: int, salt: int, now: float | None = None) -> bytes:
    """The answer to get_future_salts: the key's one salt, valid from now for a day."""
    since = int(time.time() if now is None else now)
    valid = types.FutureSalt(valid_since=since, valid_until=since + SALT_LIFETIME, salt=salt)
    return bytes(types.FutureSalts(req_msg_id=msg_id, now=since, salts=[valid]))
