"""The `reportsync emulator` command: flags, the start-up banner, serving until Ctrl-C."""

from __future__ import annotations

import argparse
import sys

from reportsync.constants import EMULATOR_DEMO_KEY, KEY_ENV, RESTART_HEADER, URL_ENV
from reportsync.emulator.demo import DEMO_REPORTS, DEMO_SEED
from reportsync.emulator.faults import REWRITES
from reportsync.emulator.flags import (
    CallFault,
    ListingFault,
    _count,
    _fail_spec,
    _latency,
    _listing_spec,
    _port,
    _rate,
    _reset_spec,
    _restart_pages,
    _retry_after,
    _seed,
)
from reportsync.emulator.serving import add_serving_faults, arm_serving, serving_lines

TYPE_CHECKING = False
if TYPE_CHECKING:
    from reportsync.emulator.faults import Faults
    from reportsync.emulator.server import Emulator


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=_port, default=8080, help="port to listen on (0: any free)")
    parser.add_argument(
        "--key",
        action="append",
        metavar="KEY",
        help=f"a secret key to accept (default {EMULATOR_DEMO_KEY}); repeat it for several projects, "
        "one per key",
    )
    parser.add_argument(
        "--demo", action="store_true", help="start with the demo project `--emulator` uses (every key)"
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
    add_serving_faults(parser.add_argument_group("serving faults"))


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
    _add_write_faults(group)


def _add_write_faults(group: argparse._ArgumentGroup) -> None:
    add = group.add_argument
    add(
        "--error-message",
        metavar="TEXT",
        help="the error message injected failures answer with (test how hostile API text is shown)",
    )
    add(
        "--reset-connections",
        metavar="METHOD:PATH_GLOB[:COUNT]",
        type=_reset_spec,
        action="append",
        help="matching calls drop the connection unanswered, COUNT times (default 1; repeatable)",
    )
    add(
        "--twin-creates",
        metavar="N",
        type=_count,
        help="the next N creates are stored twice, as if another writer created the same report",
    )
    add(
        "--rewrite",
        choices=REWRITES,
        action="append",
        help="store reports rewritten: names trimmed, names as NFC, included_range_days as a string "
        "(repeatable)",
    )


def arm_faults(faults: Faults, args: argparse.Namespace) -> None:
    """Set the flags' faults on a running emulator's switches."""
    faults.latency = args.latency / 1000
    faults.rate_limit(args.rate_limit, args.retry_after)
    if args.fail_429:
        faults.queue_429(args.fail_429, args.retry_after)
    for rule in args.fail or ():
        faults.fail(rule.method, rule.glob, rule.status, rule.count)
    if args.error_message is not None:
        faults.error_text(args.error_message)
    if args.fail_listing_after is not None:
        faults.fail_listing_after(args.fail_listing_after.pages, args.fail_listing_after.status)
    if args.restart_listing_after is not None:
        faults.restart_listing_after(args.restart_listing_after)
    if args.ambiguous_creates:
        faults.ambiguous_creates(args.ambiguous_creates)
    for rule in args.reset_connections or ():
        faults.reset_connections(rule.method, rule.glob, rule.count)
    arm_serving(faults, args)
    if args.rewrite:
        faults.rewrite_stored(*args.rewrite)
    if args.twin_creates:
        faults.twin_creates(args.twin_creates)


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
    lines += serving_lines(args)
    if args.twin_creates:
        lines.append(
            f"{_next(args.twin_creates, 'create')} {'is' if args.twin_creates == 1 else 'are'} stored twice"
        )
    lines += [f"reports are stored with {_REWRITE_LINES[kind]}" for kind in dict.fromkeys(args.rewrite or ())]
    return [f"fault: {line}" for line in lines] + [f"mode: {line}" for line in _mode_lines(args)]


_REWRITE_LINES = {
    "trim-names": "names trimmed of leading and trailing whitespace",
    "nfc-names": "names in Unicode NFC",
    "range-as-string": 'included_range_days as a string ("7")',
}


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
        (args.demo, f"each project starts with the {len(DEMO_REPORTS)} demo reports; nothing is kept"),
        (getattr(args, "debug", False), "every request is logged on stderr (method, path, status)"),
    ]
    return [text for active, text in modes if active]


def _unreachable(args: argparse.Namespace) -> str | None:
    """Why these flags cannot work together, if they cannot."""
    if args.demo and args.state:
        return "--demo starts from fresh demo data each time: it cannot be combined with --state"
    if not args.no_pagination:
        return None
    if args.fail_listing_after is not None and args.fail_listing_after.pages > 0:
        return "--fail-listing-after PAGES > 0 never fires with --no-pagination (one page)"
    if args.restart_listing_after is not None:
        return "--restart-listing-after never fires with --no-pagination (one page)"
    return None


def run(args: argparse.Namespace) -> int:
    if problem := _unreachable(args):
        print(f"reportsync emulator: {problem}", file=sys.stderr)
        return 1  # a usage mistake, as everywhere in reportsync
    keys = args.key or [EMULATOR_DEMO_KEY]
    try:
        emulator = _emulator(args, keys)
    except (OSError, ValueError) as exc:
        print(f"reportsync emulator: cannot start on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    if args.demo:
        for key in keys:
            for fields in DEMO_REPORTS:
                emulator.add_report(fields, key)
    arm_faults(emulator.faults, args)
    _banner(args, emulator, keys)
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


def _emulator(args: argparse.Namespace, keys: list[str]) -> Emulator:
    """The emulator the flags describe, bound to its port (OSError, ValueError when it cannot be)."""
    from reportsync.emulator.server import Emulator  # loaded only when serving

    emulator = Emulator(
        host=args.host,
        port=args.port,
        key=keys[0],
        more_keys=tuple(keys[1:]),
        request_log=sys.stderr if getattr(args, "debug", False) else None,
        destinations=args.destinations,
        state_file=args.state,
        paginate=not args.no_pagination,
        put_returns_minimal=args.put_returns_minimal,
        honour_idempotency=args.honour_idempotency,
        seed=DEMO_SEED if args.seed is None and args.demo else args.seed,
    )
    emulator.bind()
    return emulator


def _banner(args: argparse.Namespace, emulator: Emulator, keys: list[str]) -> None:
    print(f"reportsync emulator listening on {emulator.url}")
    if len(keys) == 1:
        print(f"accepting key: {emulator.key}")
    else:
        print(f"accepting {len(keys)} keys, one project each: {', '.join(keys)}")
    print(f"export {URL_ENV}={emulator.url} {KEY_ENV}={emulator.key}")
    for line in fault_lines(args):
        print(line)
    sys.stdout.flush()
