"""`tgtui sandbox`: run the sandbox as a process and describe it in one JSON line."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any, TextIO

from tgtui.commands.common import EXIT_ERROR, EXIT_OK, EXIT_PARTLY
from tgtui.config import Paths
from tgtui.portable import on_terminate
from tgtui.sandbox.faults import SPEC_HELP, Faults, FaultSpecError
from tgtui.sandbox.living import BOX_SIZE
from tgtui.sandbox.mtproxy import MtproxySecret, MtproxySecretError
from tgtui.sandbox.server import API_HASH, API_ID, DC_ID, SandboxOptions, SandboxServer
from tgtui.sandbox.sessions import write_demo_session
from tgtui.sandbox.world import DEMO_CODE, DEMO_PASSWORD, DEMO_PHONE, WorldOptions


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The sandbox command's options."""
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="ADDRESS",
        help="address to listen on (default: %(default)s)",
    )
    parser.add_argument(
        "--port", type=int, default=0, metavar="PORT", help="port (default: 0, a free one)"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=1,
        metavar="N",
        help="world seed: the same seed makes the same world (default: %(default)s, the demo's)",
    )
    parser.add_argument(
        "--dialogs",
        type=int,
        default=1000,
        metavar="N",
        help="exact number of dialogs (default: %(default)s)",
    )
    parser.add_argument(
        "--messages",
        type=int,
        default=5000,
        metavar="N",
        help="messages in the biggest chat; the others have fewer (default: %(default)s)",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        metavar="MS",
        help="delay every answer by MS milliseconds (default: %(default)s)",
    )
    parser.add_argument(
        "--file-sizes",
        default="",
        metavar="BYTES,...",
        help="the biggest chat's oldest messages are documents of exactly these sizes",
    )
    parser.add_argument(
        "--fault", action="append", default=[], metavar="SPEC", help="inject a fault (see below)"
    )
    parser.add_argument(
        "--session-out",
        type=Path,
        metavar="FILE",
        help="write a Telethon session file here, signed in as the demo account (tgtui "
        "commands take it with --session FILE, no api_id needed)",
    )
    parser.add_argument(
        "--request-log",
        type=Path,
        metavar="FILE",
        help="append one JSON line per answered request to FILE (when it arrived and when "
        "it was answered, as Unix times; the method; the error if any): for timing whole "
        "client processes",
    )
    parser.add_argument(
        "--activity",
        type=float,
        default=0.0,
        metavar="RATE",
        help="others write, edit and delete RATE times a second (chosen by --seed: the same "
        "seed makes the same changes; default: 0, none)",
    )
    parser.add_argument(
        "--activity-limit",
        type=int,
        metavar="N",
        help="with --activity: stop after N changes (default: no limit)",
    )
    parser.add_argument(
        "--box-size",
        type=int,
        default=BOX_SIZE,
        metavar="N",
        help="updates each update box keeps; a client further behind is told its "
        f"difference is too long (default {BOX_SIZE:,}, as Telegram)",
    )
    parser.add_argument(
        "--biggest-supergroup",
        action="store_true",
        help="the biggest chat is a supergroup (its own message ids) rather than a basic group",
    )
    parser.add_argument(
        "--media-dc",
        type=int,
        default=1,
        metavar="DC",
        help="the DC photos and documents live on (default 1: downloads open a second "
        "connection, as on Telegram when media live elsewhere; 2 is the account's own)",
    )
    parser.add_argument(
        "--mtproxy-secret",
        metavar="HEX",
        help="also listen on one more port as an MTProxy with this secret, in hex: 16 bytes "
        "(obfuscated), dd and 16 bytes (padded only), or ee, 16 bytes and a domain (fake "
        "TLS); the JSON line gives its port and tg://proxy link",
    )
    parser.add_argument(
        "--hostile",
        action="store_true",
        help="names, titles, texts and file names with markup, terminal escapes, controls, "
        "bidi overrides and over-long names (for hardening tests)",
    )


def build_options(args: argparse.Namespace) -> SandboxOptions:
    """SandboxOptions from parsed arguments (FaultSpecError for a bad --fault,
    MtproxySecretError for a bad --mtproxy-secret)."""
    secret = args.mtproxy_secret
    mtproxy_secret = MtproxySecret.from_hex(secret).raw if secret is not None else None
    if args.dialogs < 1:
        raise FaultSpecError("--dialogs must be at least 1")
    if args.messages < 1:
        raise FaultSpecError("--messages must be at least 1")
    if not 0 <= args.activity <= 1000:
        raise FaultSpecError("--activity must be from 0 to 1000 changes a second")
    if args.box_size < 1:
        raise FaultSpecError("--box-size must be at least 1")
    if not 1 <= args.media_dc <= 5:
        raise FaultSpecError("--media-dc must be a DC from 1 to 5")
    faults = Faults(seed=args.seed)
    for spec in args.fault:
        faults.apply(spec)
    if args.latency_ms:
        faults.latency = args.latency_ms / 1000
    try:
        files = tuple(int(size) for size in args.file_sizes.split(",") if size.strip())
    except ValueError:
        raise FaultSpecError(
            f"--file-sizes: expected byte counts, got {args.file_sizes!r}"
        ) from None
    if any(size < 1 for size in files) or len(files) > args.messages:
        raise FaultSpecError("--file-sizes: sizes above 0, no more than --messages of them")
    world = WorldOptions(
        seed=args.seed,
        dialogs=args.dialogs,
        messages=args.messages,
        files=files,
        hostile=args.hostile,
        biggest_is_supergroup=args.biggest_supergroup,
        media_dc=args.media_dc,
    )
    return SandboxOptions(
        host=args.host,
        port=args.port,
        world=world,
        faults=faults,
        activity=args.activity,
        activity_limit=args.activity_limit,
        box_size=args.box_size,
        mtproxy_secret=mtproxy_secret,
    )


def describe(server: SandboxServer, session: Path | None) -> dict[str, Any]:
    """What a client needs to use the sandbox: the one JSON line printed at start (with
    ``mtproxy_port`` and ``mtproxy_link`` when it is an MTProxy too)."""
    info: dict[str, Any] = {
        "host": server.host,
        "port": server.port,
        "dc_id": DC_ID,
        "dc_ports": {str(dc): port for dc, port in server.dc_ports.items()},
        "phone": DEMO_PHONE,
        "code": DEMO_CODE,
        "password": DEMO_PASSWORD,
        "api_id": API_ID,
        "api_hash": API_HASH,
        "rsa_public_key": server.rsa_key.public_pem,
        "session": str(session) if session else None,
    }
    if server.mtproxy_port is not None:
        info["mtproxy_port"] = server.mtproxy_port
        info["mtproxy_link"] = server.mtproxy_link
    return info


async def serve(
    options: SandboxOptions, session_out: Path | None, request_log: TextIO | None = None
) -> None:
    """Start, print the JSON line, serve until SIGINT or SIGTERM."""
    server = SandboxServer(options)
    server.log.trace = request_log
    await server.start()
    session = write_demo_session(server, session_out) if session_out else None
    sys.stdout.write(json.dumps(describe(server, session)) + "\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    on_terminate(stop.set, ("SIGINT", "SIGTERM"))
    try:
        await stop.wait()
    finally:
        await server.close()


def run(args: argparse.Namespace, paths: Paths | None = None) -> int:
    """Entry point of `tgtui sandbox` (a developer's tool: it reads no config, and ``paths``
    is not used). Returns the exit code."""
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        options = build_options(args)
    except FaultSpecError as exc:
        sys.stderr.write(f"tgtui sandbox: {exc}\n\n{SPEC_HELP}")
        return EXIT_ERROR
    except MtproxySecretError as exc:  # its message never holds the secret
        sys.stderr.write(f"tgtui sandbox: --mtproxy-secret: {exc}\n")
        return EXIT_ERROR
    request_log: TextIO | None = None
    if args.request_log is not None:
        try:  # line-buffered: a reader sees each request as soon as it is answered
            request_log = args.request_log.open("a", buffering=1)
        except OSError as exc:
            sys.stderr.write(f"tgtui sandbox: cannot write --request-log: {exc}\n")
            return EXIT_ERROR
    try:
        return _serve_until_stopped(options, args, request_log)
    finally:
        if request_log is not None:
            request_log.close()


def _serve_until_stopped(
    options: SandboxOptions, args: argparse.Namespace, request_log: TextIO | None
) -> int:
    try:
        asyncio.run(serve(options, args.session_out, request_log))
    except OSError as exc:
        sys.stderr.write(f"tgtui sandbox: cannot listen on {args.host}:{args.port}: {exc}\n")
        return EXIT_PARTLY
    return EXIT_OK


def epilog() -> str:
    """Help text shown after the options."""
    return SPEC_HELP
