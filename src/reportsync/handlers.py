"""One typed wrapper per command: each imports its command's module only when that command runs."""

from __future__ import annotations

from reportsync.console import Console

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace


def run_validate(args: Namespace, console: Console) -> int:
    from reportsync.commands import validate

    return validate.run(args, console)


def run_schema(args: Namespace, console: Console) -> int:
    from reportsync.commands import schema

    return schema.run(args, console)


def run_plan(args: Namespace, console: Console) -> int:
    from reportsync.commands import plan

    return plan.run(args, console)


def run_apply(args: Namespace, console: Console) -> int:
    from reportsync.commands import apply

    return apply.run(args, console)


def run_emulator(args: Namespace, console: Console) -> int:
    from reportsync.commands import emulator

    return emulator.run(args, console)


def run_import(args: Namespace, console: Console) -> int:
    from reportsync.commands import import_

    return import_.run(args, console)


def run_destinations(args: Namespace, console: Console) -> int:
    from reportsync.commands import destinations

    return destinations.run(args, console)


def run_send_test(args: Namespace, console: Console) -> int:
    from reportsync.commands import send_test

    return send_test.run(args, console)


def run_doctor(args: Namespace, console: Console) -> int:
    from reportsync.commands import doctor

    return doctor.run(args, console)


def run_refresh(args: Namespace, console: Console) -> int:
    from reportsync.commands import refresh

    return refresh.run(args, console)


def run_show(args: Namespace, console: Console) -> int:
    from reportsync.commands import show

    return show.run(args, console)


def run_init(args: Namespace, console: Console) -> int:
    from reportsync.commands import init

    return init.run(args, console)
