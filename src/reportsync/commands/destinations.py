"""`reportsync destinations`: list the destinations reports can deliver to."""

from __future__ import annotations

from reportsync.commands import projects_of
from reportsync.connection import open_client
from reportsync.console import Console
from reportsync.errors import ExitStatus
from reportsync.render import by_project, json_text, project_heading
from reportsync.render.listing import destinations_json, destinations_table

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace


def run(args: Namespace, console: Console) -> int:
    projects = projects_of(args)
    listings = []
    for project in projects:
        with open_client(project, console, args.emulator, args.timeout) as client:
            listings.append(client.list_destinations())
    many = len(listings) > 1
    if args.format == "json":
        if many:
            docs = [{"destinations": destinations_json(found)} for found in listings]
            console.print(json_text(by_project([p.name for p in projects], docs)))
        else:
            console.print(json_text(destinations_json(listings[0])))
        return ExitStatus.OK
    for project, found in zip(projects, listings, strict=True):
        if many:
            console.print(project_heading(project.name, console.paint))
        console.print(destinations_table(found))
    return ExitStatus.OK
