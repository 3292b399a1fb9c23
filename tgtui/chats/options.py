"""The command-line options that choose chats, shared by `tgtui chats` and `tgtui backup`."""

from __future__ import annotations

import argparse

from tgtui.chats.matching import FILTER_TYPES, ChatFilter, parse_types
from tgtui.i18n import N_, _


def _types(text: str) -> frozenset[str]:
    try:
        return parse_types(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_filter_arguments(parser: argparse.ArgumentParser, *, exclude: bool = True) -> None:
    """--type, --archived / --no-archived / --all-folders and (with ``exclude``) --exclude."""
    parser.add_argument(
        "--type",
        type=_types,
        metavar=_("TYPES"),
        help=_(
            "only chats of these types (comma-separated: {types}; groups includes supergroups)"
        ).format(types=",".join(FILTER_TYPES)),
    )
    folders = parser.add_mutually_exclusive_group()
    folders.add_argument(
        "--archived",
        dest="archived",
        action="store_true",
        default=None,
        help=_("only archived chats"),
    )
    folders.add_argument(
        "--no-archived",
        dest="archived",
        action="store_false",
        help=_("only chats of the main list (not archived)"),
    )
    folders.add_argument(
        "--all-folders",
        dest="archived",
        action="store_const",
        const=None,
        help=_("chats of the main list and the archive (the default)"),
    )
    if exclude:
        parser.add_argument(
            "--exclude",
            action="append",
            default=[],
            metavar=_("CHAT"),
            help=_("leave this chat out (id, @username, link or name); repeatable"),
        )


def chat_filter(args: argparse.Namespace) -> ChatFilter:
    """The ChatFilter the options ask for."""
    return ChatFilter(
        types=args.type,
        archived=args.archived,
        exclude=tuple(getattr(args, "exclude", ()) or ()),
    )


CHAT_HELP = N_(
    "a peer id (as `tgtui chats` lists it), an @username, a t.me link, or a name in any "
    "case, with or without accents (a name that fits several chats is an error that lists "
    "them)"
)
