"""The emulator's serving-fault flags: slow-drip, oversized and raw bodies, empty pages, served fields."""

from __future__ import annotations

import argparse

from reportsync.emulator.flags import (
    EVERY,
    BodyFault,
    _bloat_spec,
    _count,
    _drip_spec,
    _field_spec,
    _raw_spec,
    _reset_spec,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from reportsync.emulator.faults import Faults


def add_serving_faults(group: argparse._ArgumentGroup) -> None:
    add = group.add_argument
    add(
        "--drip",
        metavar="METHOD:PATH_GLOB[:COUNT]",
        type=_drip_spec,
        action="append",
        help="matching answers send their body one byte a second (repeatable)",
    )
    add(
        "--bloat",
        metavar="METHOD:PATH_GLOB:MIB[:gzip]",
        type=_bloat_spec,
        action="append",
        help="matching answers are padded to MIB mebibytes, gzip-compressed with :gzip (repeatable)",
    )
    add(
        "--raw-body",
        metavar="METHOD:PATH_GLOB:FILE[:COUNT]",
        type=_raw_spec,
        action="append",
        help="matching calls are processed, then answered with FILE's bytes (repeatable)",
    )
    _add_content_faults(group)


def _add_content_faults(group: argparse._ArgumentGroup) -> None:
    add = group.add_argument
    add(
        "--empty-pages",
        metavar="N",
        type=_count,
        help="the next N listing calls answer an empty page with has_more",
    )
    add(
        "--serve-field",
        metavar="FIELD=JSON",
        type=_field_spec,
        action="append",
        help="every report served carries FIELD with this JSON value, e.g. included_range_days='\"7\"'",
    )
    add(
        "--error-2xx",
        metavar="METHOD:PATH_GLOB[:COUNT]",
        type=_reset_spec,
        action="append",
        help="matching calls are not processed and answer 200 with an invalid_data error body (repeatable)",
    )
    add("--omit-labels", action="store_true", help="reports are served without destination labels")


def arm_serving(faults: Faults, args: argparse.Namespace) -> None:
    for rule in args.drip or ():
        faults.drip(rule.method, rule.glob, 1, 1.0, rule.count)
    for rule in args.bloat or ():
        faults.bloat(rule.method, rule.glob, rule.size, rule.compressed, rule.count)
    for rule in args.raw_body or ():
        faults.raw_body(rule.method, rule.glob, rule.raw, rule.count)
    if args.empty_pages:
        faults.empty_pages(args.empty_pages)
    for name, value in args.serve_field or ():
        faults.serve_field(name, value)
    faults.omit_labels = args.omit_labels
    for rule in args.error_2xx or ():
        faults.error_2xx(rule.method, rule.glob, 200, rule.count)


def serving_lines(args: argparse.Namespace) -> list[str]:
    """One line per armed serving fault, as the start-up banner shows them."""
    rules: list[tuple[str, BodyFault]] = [("send(s) the body one byte a second", r) for r in args.drip or ()]
    rules += [(_bloat_text(r), r) for r in args.bloat or ()]
    rules += [(f"answer(s) a {len(r.raw):,}-byte body from a file", r) for r in args.raw_body or ()]
    rules += [("answer(s) 200 with an error body", r) for r in args.error_2xx or ()]
    lines = [f"{_calls(r.count)} {r.method} {r.glob} {_agree(text, r.count)}" for text, r in rules]
    if args.empty_pages:
        lines.append(
            f"{_next(args.empty_pages, 'listing call')} {_agree('answer(s)', args.empty_pages)} an "
            "empty page that says has_more"
        )
    lines += [f"every report is served with {name} = {value!r}" for name, value in args.serve_field or ()]
    if args.omit_labels:
        lines.append("reports are served without destination labels")
    return lines


def _bloat_text(rule: BodyFault) -> str:
    return f"answer(s) a {rule.size // (1024 * 1024)} MiB body" + (" (gzip)" if rule.compressed else "")


def _calls(count: int) -> str:
    return "every call" if count >= EVERY else _next(count, "call")


def _agree(text: str, count: int) -> str:
    """ "answer(s)" -> "answers" for one call, "answer" for several."""
    return text.replace("(s)", "s" if count == 1 or count >= EVERY else "", 1)


def _next(count: int, noun: str) -> str:
    return f"next {noun}" if count == 1 else f"next {count} {noun}s"
