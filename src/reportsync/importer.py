"""Import, the pure part: which unmanaged remote reports become which files, and their YAML text."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from reportsync.constants import WRITABLE_FIELDS
from reportsync.loader import REPORT_SUFFIXES, dump_report
from reportsync.models import Identity, RemoteReport

SLUG_MAX = 60
SCHEMA_FILE = "scheduled-report.schema.json"
HEADER = "# Imported from Qonversion by `reportsync import`; `id:` pins this file to the remote report.\n"


@dataclass(frozen=True, slots=True)
class ImportFile:
    """One file import would write: its name in the reports folder and its text."""

    filename: str
    report: RemoteReport
    text: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A remote report import leaves alone, and why."""

    report: RemoteReport
    reason: str


def slugify(name: str) -> str:
    """Lowercase ASCII words joined by '-', at most SLUG_MAX characters; "report" if nothing is left."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    slug = slug[:SLUG_MAX].rstrip("-")
    return slug or "report"


def stem_of(filename: str) -> str:
    """The file name without its .yaml/.yml suffix, lowercased: what two names may not share."""
    lowered = filename.lower()
    for suffix in REPORT_SUFFIXES:
        if lowered.endswith(suffix):
            return lowered[: -len(suffix)]
    return lowered


def names_in_both_environments(reports: Sequence[RemoteReport]) -> set[str]:
    envs_by_name: dict[str, set[str]] = {}
    for report in reports:
        env, name = report.identity
        envs_by_name.setdefault(name, set()).add(env)
    return {name for name, envs in envs_by_name.items() if len(envs) > 1}


def file_stem(report: RemoteReport, shared_names: Collection[str]) -> str:
    """The slug of the report's name; a name used in both environments gets `.<environment>`."""
    env, name = report.identity
    return slugify(name) + (f".{env}" if name in shared_names else "")


def unique_filenames(stems: Sequence[str], taken: Collection[str]) -> list[str]:
    """`<stem>.yaml` for each stem, with -2, -3... added in order to avoid `taken` and each other."""
    used = {stem_of(name) for name in taken}
    names = []
    for stem in stems:
        base, dot, env = stem.partition(".")
        candidate, number = stem, 1
        while candidate.lower() in used:
            number += 1
            candidate = f"{base}-{number}{dot}{env}"
        used.add(candidate.lower())
        names.append(candidate + ".yaml")
    return names


def report_document(report: RemoteReport) -> dict[str, Any]:
    """The file's data: `id:` pinned first, then the writable fields in canonical order."""
    data: dict[str, Any] = {"id": report.id}
    for key in WRITABLE_FIELDS:
        if key in report.payload:
            data[key] = report.payload[key]
    if isinstance(data.get("destinations"), list):
        data["destinations"] = [_destination(d) for d in data["destinations"]]
    return data


def _destination(item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    out = {"type": item.get("type"), "id": item.get("id")}
    if item.get("label"):
        out["label"] = item["label"]
    return out


def report_text(report: RemoteReport, schema_path: str | None, header: str = HEADER) -> str:
    """The YAML text of one imported report, with the schema modeline when a schema path is known.

    `header`: comment lines (each ending in a newline) between the modeline and the fields.
    """
    modeline = f"# yaml-language-server: $schema={schema_path}\n" if schema_path else ""
    return modeline + header + dump_report(report_document(report))


def duplicate_identities(reports: Sequence[RemoteReport], managed: Collection[Identity]) -> set[Identity]:
    """Identities import must skip: shared by several candidates, or already declared by a file."""
    counts = Counter(r.identity for r in reports)
    return {identity for identity, n in counts.items() if n > 1 or identity in managed}


def plan_import(
    candidates: Sequence[RemoteReport],
    remote: Sequence[RemoteReport],
    managed: Collection[Identity],
    taken: Collection[str],
    schema_path: str | None,
) -> tuple[tuple[ImportFile, ...], tuple[Skipped, ...]]:
    """Files for the candidate reports (in creation order) and the reports that cannot be imported.

    `remote`: every remote report (a name in both environments gets the environment in its file name);
    `managed`: identities the report files already declare; `taken`: file names already in the folder.
    """
    ordered = sorted(candidates, key=lambda r: str(r.payload.get("created_at") or ""))
    clashes = duplicate_identities(ordered, managed)
    skipped = tuple(Skipped(r, _clash_reason(r, managed)) for r in ordered if r.identity in clashes)
    chosen = [r for r in ordered if r.identity not in clashes]
    shared = names_in_both_environments(remote)
    names = unique_filenames([file_stem(r, shared) for r in chosen], taken)
    files = tuple(
        ImportFile(name, report, report_text(report, schema_path))
        for name, report in zip(names, chosen, strict=True)
    )
    return files, skipped


def _clash_reason(report: RemoteReport, managed: Collection[Identity]) -> str:
    if report.identity in managed:
        return "a report file already declares this name and environment (for another remote id)"
    return (
        "several remote reports share this name and environment; "
        "rename all but one in the dashboard, then import again"
    )
