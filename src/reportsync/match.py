"""Pairing desired reports with remote ones, and the checks that make a plan safe to build."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from fnmatch import fnmatchcase

from reportsync.errors import PlanError, Problem
from reportsync.messages import show as quoted
from reportsync.models import DesiredReport, Destination, Identity, RemoteReport
from reportsync.names import escaped, loose_name


def matches(name: str, globs: Sequence[str]) -> bool:
    """True when a name equals an entry, or matches it as a glob: "Revenue [EU]" means itself first."""
    return any(name == g or fnmatchcase(name, g) for g in globs)


def selects(name: str, entries: Sequence[str], names: Collection[str]) -> bool:
    """True when an entry (of --target) selects `name`: an entry that is one of `names` (every report's
    name) means only that report, so `--target "Revenue [EU]" --prune` never deletes "Revenue E";
    any other entry is a glob."""
    return any(name == e or (e not in names and fnmatchcase(name, e)) for e in entries)


def unmatched(globs: Sequence[str], names: Sequence[str]) -> list[str]:
    """The entries (of --target or ignore:) that match none of `names`, in their given order."""
    return [g for g in dict.fromkeys(globs) if not any(matches(n, (g,)) for n in names)]


def match_reports(
    desired: Sequence[DesiredReport], remote: Sequence[RemoteReport]
) -> dict[str, RemoteReport | None]:
    """Pair each desired report (by its `where`) with its remote report, or None for a create."""
    by_id = {r.id: r for r in remote}
    pinned = {s.pinned_id for s in desired if s.pinned_id}
    by_identity: dict[Identity, list[RemoteReport]] = defaultdict(list)
    for report in remote:
        if report.id not in pinned:  # a pinned report is matched by id only, whatever its name
            by_identity[report.identity].append(report)
    pairs: dict[str, RemoteReport | None] = {}
    problems: list[Problem] = []
    for spec in desired:
        found = [by_id[spec.pinned_id]] if spec.pinned_id in by_id else []
        if not spec.pinned_id:
            found = by_identity.get(spec.identity, [])
        problem = _match_problem(spec, found)
        if problem:
            problems.append(problem)
        pairs[spec.where] = found[0] if found else None
    if problems:
        raise PlanError(_summarise(problems), tuple(problems))
    return pairs


def check_near_names(
    desired: Sequence[DesiredReport], remote: Sequence[RemoteReport], pairs: dict[str, RemoteReport | None]
) -> None:
    """PlanError when a report to create equals an unmanaged remote one after trimming and NFC.

    A server that stores names trimmed or composed would otherwise get a new copy on every apply.
    """
    claimed = {r.id for r in pairs.values() if r is not None}
    loose: dict[tuple[str, str], list[RemoteReport]] = defaultdict(list)
    for report in remote:
        if report.id not in claimed:
            env, name = report.identity
            loose[(env, loose_name(name))].append(report)
    declared: dict[tuple[str, str], list[DesiredReport]] = defaultdict(list)
    for spec in desired:  # one pass: each name made loose once, so a large folder costs no N² work
        env, name = spec.identity
        declared[(env, loose_name(name))].append(spec)
    problems: list[Problem] = []
    for spec in desired:
        env, name = spec.identity
        if pairs.get(spec.where) is None and not spec.pinned_id:
            key = (env, loose_name(name))
            found = loose.get(key, [])
            if found:
                problems.append(Problem(spec.file, spec.line, 0, _near_text(name, found)))
            else:
                problems.extend(_near_desired(spec, declared[key]))
    if problems:
        raise PlanError(_summarise(problems), tuple(problems))


def _near_desired(spec: DesiredReport, alike: Sequence[DesiredReport]) -> list[Problem]:
    """A problem when another file declares a name equal to this new report's after trimming and NFC
    (`alike`: the reports whose loose name is this one's): a server storing names so would hold two
    reports of one name."""
    name = spec.identity[1]
    for other in alike:
        if other.identity[1] != name:
            text = (
                f"report_name {escaped(name)} would be created beside {escaped(other.identity[1])} of "
                f"{other.file}:{other.line}, names that differ only in outer whitespace or Unicode form: a "
                "server that trims or composes names would hold two reports of one name; write the name "
                "the same way in both files"
            )
            return [Problem(spec.file, spec.line, 0, text)]
    return []


def _near_text(name: str, found: list[RemoteReport]) -> str:
    first = found[0]
    return (
        f"report_name {escaped(name)} would be created beside remote report {escaped(first.identity[1])} "
        f"(id {first.id}), the same name once trimmed and in Unicode NFC, as a server may store it; "
        f"to manage that report, add `id: {first.id}` to the file and write its name as "
        f"{escaped(first.identity[1])}"
    )


def _match_problem(spec: DesiredReport, found: list[RemoteReport]) -> Problem | None:
    if spec.pinned_id and not found:
        text = (
            f"id {quoted(spec.pinned_id)} is pinned but no remote report has it; "
            "remove `id:` to create the report anew"
        )
    elif len(found) > 1:
        env, name = spec.identity
        text = (
            f"{len(found)} remote reports are named {quoted(name)} ({env}): "
            f"ids {', '.join(r.id for r in found)}; pin one by adding `id: {found[0].id}` to the file"
        )
    else:
        return None
    return Problem(spec.file, spec.line, 0, text)


def _summarise(problems: Sequence[Problem]) -> str:
    count = len(problems)
    return f"the plan stopped at {count} problem{'s' if count != 1 else ''}; nothing was changed."


def check_destinations(desired: Sequence[DesiredReport], destinations: Sequence[Destination]) -> None:
    """Every destination a file names must exist in the listing, before any change is planned."""
    known = {(d.type, d.id) for d in destinations}
    known_ids = sorted(d.id for d in destinations)
    problems: list[Problem] = []
    for spec in desired:
        for index, dest in enumerate(spec.payload["destinations"]):
            if (dest["type"], dest["id"]) in known:
                continue
            import difflib  # only an unknown destination gets here

            close = difflib.get_close_matches(dest["id"], known_ids, n=3, cutoff=0.5)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            problems.append(
                Problem(
                    spec.file,
                    spec.destination_line(index),
                    0,
                    f"unknown destination {dest['type']}:{dest['id']}{hint}; "
                    f"known ids: {', '.join(known_ids) or 'none'}",
                )
            )
    if problems:
        raise PlanError(_summarise(problems), tuple(problems))
