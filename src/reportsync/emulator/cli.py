"""The `reportsync emulator` command: flags, the start-up banner, serving until Ctrl-C."""

from __future__ import annotations

import argparse
import sys

from reportsync.constants import EMULATOR_DEMO_KEY, KEY_ENV, URL_ENV


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (0: any free)")
    parser.add_argument("--key", default=EMULATOR_DEMO_KEY, help="the secret key to accept")
    parser.add_argument("--state", metavar="FILE", help="persist reports to this JSON file")
    parser.add_argument("--destinations", metavar="FILE", help="JSON array of destinations")
    parser.add_argument("--latency", metavar="MS", type=float, default=0.0, help="added latency")
    parser.add_argument("--rate-limit", metavar="R", type=float, help="requests per second")
    parser.add_argument("--no-pagination", action="store_true", help="answer lists in one page")


def run(args: argparse.Namespace) -> int:
    from reportsync.emulator.server import Emulator  # loaded only when serving

    try:
        emulator = Emulator(
            host=args.host,
            port=args.port,
            key=args.key,
            destinations=args.destinations,
            state_file=args.state,
            paginate=not args.no_pagination,
        )
        emulator.bind()
    except (OSError, ValueError) as exc:
        print(f"reportsync emulator: cannot start on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    emulator.faults.latency = args.latency / 1000
    emulator.faults.rate_limit(args.rate_limit)
    print(f"reportsync emulator listening on {emulator.url}")
    print(f"accepting key: {emulator.key}")
    print(f"export {URL_ENV}={emulator.url} {KEY_ENV}={emulator.key}", flush=True)
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0
