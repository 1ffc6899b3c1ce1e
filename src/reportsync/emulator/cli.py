"""The `reportsync emulator` command: flags, the start-up banner, serving until Ctrl-C."""

from __future__ import annotations

import argparse
import sys

from reportsync.constants import EMULATOR_DEMO_KEY, KEY_ENV, RESTART_HEADER, URL_ENV
from reportsync.emulator.flags import (
    BodyFault,
    CallFault,
    ListingFault,
    _bloat_spec,
    _count,
    _drip_spec,
    _fail_spec,
    _field_spec,
    _latency,
    _listing_spec,
    _port,
    _rate,
    _raw_spec,
    _reset_spec,
    _restart_pages,
    _retry_after,
    _seed,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from reportsync.emulator.faults import Faults


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=_port, default=8080, help="port to listen on (0: any free)")
    parser.add_argument("--key", default=EMULATOR_DEMO_KEY, help="the secret key to accept")
    parser.add_argument(
        "--extra-key",
        metavar="KEY",
        action="append",
        help="also accept KEY, as another project with its own reports (repeatable)",
    )
    parser.add_argument("--state", metavar="FILE", help="persist reports to this JSON file")
    parser.add_argument("--destinations", metavar="FILE", help="JSON array of destinations")
    parser.add_argument("--seed", metavar="N", type=_seed, help="seed for deterministic report ids")
    parser.add_argument("--no-pagination", action="store_true", help="answer lists in one page")
    parser.add_argument(
        "--put-returns-minimal", action="store_true", help="PUT answers only object, id and url"
    )
    parser.add_argument(
        "--honour-idempotency", action="store_true", help="POST honours an Idempotency-Key header"
    )
    group = parser.add_argument_group("fault injection")
    _add_rate_faults(group)
    _add_call_faults(group)
    _add_serving_faults(parser.add_argument_group("serving faults"))


def _add_serving_faults(group: argparse._ArgumentGroup) -> None:
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


def _add_rate_faults(group: argparse._ArgumentGroup) -> None:
    add = group.add_argument
    add("--latency", metavar="MS", type=_latency, default=0.0, help="added latency per request")
    add("--rate-limit", metavar="R", type=_rate, help="over R requests/s answer 429")
    add("--fail-429", metavar="N", type=_count, help="the next N requests answer 429")
    add(
        "--retry-after",
        metavar="VALUE",
        type=_retry_after,
        default="1",
        help="Retry-After of injected 429s: seconds, HTTP-date or 'none' (default 1)",
    )


def _add_call_faults(group: argparse._ArgumentGroup) -> None:
    add = group.add_argument
    add(
        "--fail",
        metavar="METHOD:PATH_GLOB:STATUS[:COUNT]",
        type=_fail_spec,
        action="append",
        help="matching calls answer STATUS, COUNT times (default 1; repeatable; paths after /v4)",
    )
    add(
        "--fail-listing-after",
        metavar="PAGES[:STATUS]",
        type=_listing_spec,
        help="the listing page after PAGES pages answers STATUS (default 503)",
    )
    add(
        "--restart-listing-after",
        metavar="PAGES",
        type=_restart_pages,
        help="the listing page after PAGES pages restarts from the first row",
    )
    add(
        "--ambiguous-creates",
        metavar="N",
        type=_count,
        help="the next N creates are stored, then the connection drops",
    )
    add(
        "--reset-connections",
        metavar="METHOD:PATH_GLOB[:COUNT]",
        type=_reset_spec,
        action="append",
        help="matching calls drop the connection unanswered, COUNT times (default 1; repeatable)",
    )


def arm_faults(faults: Faults, args: argparse.Namespace) -> None:
    """Set the flags' faults on a running emulator's switches."""
    faults.latency = args.latency / 1000
    faults.rate_limit(args.rate_limit, args.retry_after)
    if args.fail_429:
        faults.queue_429(args.fail_429, args.retry_after)
    for rule in args.fail or ():
        faults.fail(rule.method, rule.glob, rule.status, rule.count)
    if args.fail_listing_after is not None:
        faults.fail_listing_after(args.fail_listing_after.pages, args.fail_listing_after.status)
    if args.restart_listing_after is not None:
        faults.restart_listing_after(args.restart_listing_after)
    if args.ambiguous_creates:
        faults.ambiguous_creates(args.ambiguous_creates)
    for rule in args.reset_connections or ():
        faults.reset_connections(rule.method, rule.glob, rule.count)
    _arm_serving(faults, args)


def _arm_serving(faults: Faults, args: argparse.Namespace) -> None:
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


def fault_lines(args: argparse.Namespace) -> list[str]:
    """One `fault: ...` line per active fault, then one `mode: ...` line per non-default behaviour."""
    header = "no Retry-After" if args.retry_after is None else f"Retry-After: {args.retry_after}"
    lines = [f"every request waits {args.latency:g} ms first"] if args.latency else []
    if args.rate_limit is not None:
        lines.append(f"over {args.rate_limit:g} requests/s answer 429 ({header})")
    if args.fail_429:
        lines.append(f"{_next(args.fail_429, 'request')} {_verb(args.fail_429)} 429 ({header})")
    lines += [_call_line(rule) for rule in args.fail or ()]
    lines += _listing_lines(args.fail_listing_after, args.restart_listing_after)
    if args.ambiguous_creates:
        n = args.ambiguous_creates
        lines.append(f"{_next(n, 'create')} {'is' if n == 1 else 'are'} stored, then the connection drops")
    lines += [_call_line(rule) for rule in args.reset_connections or ()]
    lines += _serving_lines(args)
    return [f"fault: {line}" for line in lines] + [f"mode: {line}" for line in _mode_lines(args)]


def _serving_lines(args: argparse.Namespace) -> list[str]:
    rules: list[tuple[str, BodyFault]] = [("send their body one byte a second", r) for r in args.drip or ()]
    rules += [(_bloat_text(r), r) for r in args.bloat or ()]
    rules += [(f"answer a {len(r.raw):,}-byte body from a file", r) for r in args.raw_body or ()]
    lines = [f"{_next(r.count, 'call')} {r.method} {r.glob} {text}" for text, r in rules]
    if args.empty_pages:
        lines.append(f"{_next(args.empty_pages, 'listing call')} answer an empty page that says has_more")
    lines += [f"every report is served with {name} = {value!r}" for name, value in args.serve_field or ()]
    if args.omit_labels:
        lines.append("reports are served without destination labels")
    for call in args.error_2xx or ():
        lines.append(f"{_next(call.count, 'call')} {call.method} {call.glob} answer 200 with an error body")
    return lines


def _bloat_text(rule: BodyFault) -> str:
    return f"answer a {rule.size // (1024 * 1024)} MiB body" + (" (gzip)" if rule.compressed else "")


def _next(count: int, noun: str) -> str:
    return f"next {noun}" if count == 1 else f"next {count} {noun}s"


def _verb(count: int) -> str:
    return "answers" if count == 1 else "answer"


def _call_line(rule: CallFault) -> str:
    calls = f"{_next(rule.count, 'call')} {rule.method} {rule.glob}"
    if rule.status is None:
        return f"{calls} {'drops' if rule.count == 1 else 'drop'} the connection unanswered"
    return f"{calls} {_verb(rule.count)} {rule.status}"


def _listing_lines(failing: ListingFault | None, restart: int | None) -> list[str]:
    lines = []
    if failing is not None:
        lines.append(f"listing page {failing.pages + 1} answers {failing.status}")
    if restart is not None:
        lines.append(f"listing page {restart + 1} restarts from the first row ({RESTART_HEADER})")
    return lines


def _mode_lines(args: argparse.Namespace) -> list[str]:
    modes = [
        (args.no_pagination, "lists answer in one page"),
        (args.put_returns_minimal, "PUT answers only object, id and url"),
        (args.honour_idempotency, "POST honours the Idempotency-Key header"),
        (args.seed is not None, f"report ids from seed {args.seed}"),
    ]
    return [text for active, text in modes if active]


def _unreachable(args: argparse.Namespace) -> str | None:
    """Why a listing fault can never fire with these flags, if it cannot."""
    if not args.no_pagination:
        return None
    if args.fail_listing_after is not None and args.fail_listing_after.pages > 0:
        return "--fail-listing-after PAGES > 0 never fires with --no-pagination (one page)"
    if args.restart_listing_after is not None:
        return "--restart-listing-after never fires with --no-pagination (one page)"
    return None


def run(args: argparse.Namespace) -> int:
    from reportsync.emulator.server import Emulator  # loaded only when serving

    if problem := _unreachable(args):
        print(f"reportsync emulator: {problem}", file=sys.stderr)
        return 1  # a usage mistake, as everywhere in reportsync
    try:
        emulator = Emulator(
            host=args.host,
            port=args.port,
            key=args.key,
            destinations=args.destinations,
            state_file=args.state,
            paginate=not args.no_pagination,
            put_returns_minimal=args.put_returns_minimal,
            honour_idempotency=args.honour_idempotency,
            seed=args.seed,
            extra_keys=tuple(args.extra_key or ()),
        )
        emulator.bind()
    except (OSError, ValueError) as exc:
        print(f"reportsync emulator: cannot start on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    arm_faults(emulator.faults, args)
    print(f"reportsync emulator listening on {emulator.url}")
    print(f"accepting key: {emulator.key}")
    print(f"export {URL_ENV}={emulator.url} {KEY_ENV}={emulator.key}")
    for line in fault_lines(args):
        print(line)
    sys.stdout.flush()
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0
