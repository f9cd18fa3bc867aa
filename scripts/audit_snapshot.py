"""Check installed Python distributions against a dated snapshot of the PyPA advisory database.

    python scripts/audit_snapshot.py [--python PATH] [--snapshot FILE]

The snapshot (security/pypa-advisories-<date>.tar.xz, the newest by name) holds OSV records,
one YAML file per advisory under vulns/<package>/. A distribution is vulnerable when its
version is listed in an advisory's `affected[].versions`, or falls in one of its `ECOSYSTEM`
ranges (`introduced` / `fixed` / `last_affected` events, compared in PyPI's version order with
`packaging`). Withdrawn advisories and those listed in security/ignored.txt are skipped.

Exit status: 0 when nothing installed is known to be vulnerable, 1 when something is (each
finding printed with the fixed versions), 2 when the snapshot cannot be read.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
SECURITY = ROOT / "security"
SNAPSHOT_NAME = re.compile(r"pypa-advisories-(\d{4}-\d{2}-\d{2})\.tar\.xz$")
LIST_DISTRIBUTIONS = (
    "import importlib.metadata as m, json; "
    "print(json.dumps(sorted({(d.metadata['Name'] or '', d.version) for d in m.distributions()})))"
)


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    advisory: str
    fixed_in: tuple[str, ...]

    def __str__(self) -> str:
        fixes = ", ".join(self.fixed_in) or "no fixed release"
        return f"{self.package} {self.version}: {self.advisory} (fixed in {fixes})"


def newest_snapshot(folder: Path = SECURITY) -> tuple[Path, str]:
    found = sorted(
        (match.group(1), path)
        for path in folder.glob("pypa-advisories-*.tar.xz")
        if (match := SNAPSHOT_NAME.search(path.name))
    )
    if not found:
        raise FileNotFoundError(f"no pypa-advisories-<date>.tar.xz in {folder}")
    day, path = found[-1]
    return path, day


def installed(python: str) -> list[tuple[str, str]]:
    """(name, version) of every distribution the interpreter at `python` sees."""
    out = subprocess.run(  # noqa: S603 - a Python interpreter named by the caller
        [python, "-c", LIST_DISTRIBUTIONS], check=True, capture_output=True, text=True
    ).stdout
    return [(name, version) for name, version in json.loads(out) if name]


def _version(value: str) -> Version | None:
    try:
        return Version(value)
    except InvalidVersion:
        return None


def in_range(version: Version, events: list[dict]) -> bool:
    """OSV's ECOSYSTEM range: walk the events in version order, as the OSV schema says."""
    points = []
    for event in events:
        (kind, value), *_ = event.items()
        at = Version("0") if value == "0" else _version(str(value))
        if at is not None:
            points.append((at, kind))
    affected = False
    for at, kind in sorted(points, key=lambda p: (p[0], p[1] != "introduced")):
        if kind == "introduced" and version >= at:
            affected = True
        elif kind == "fixed" and version >= at or kind == "last_affected" and version > at:
            affected = False
    return affected


def affects(record: dict, name: str, version: str) -> tuple[bool, tuple[str, ...]]:
    """Whether the advisory covers `name` at `version`, and the releases that fix it."""
    hit, fixes = False, []
    parsed = _version(version)
    for entry in record.get("affected") or []:
        package = entry.get("package") or {}
        if package.get("ecosystem") != "PyPI":
            continue
        if canonicalize_name(package.get("name", "")) != name:
            continue
        if version in {str(v) for v in entry.get("versions") or []}:
            hit = True
        for span in entry.get("ranges") or []:
            if span.get("type") != "ECOSYSTEM":
                continue
            events = span.get("events") or []
            fixes += [str(e["fixed"]) for e in events if "fixed" in e]
            if parsed is not None and in_range(parsed, events):
                hit = True
    return hit, tuple(dict.fromkeys(fixes))


def ignored(path: Path = SECURITY / "ignored.txt") -> set[str]:
    if not path.exists():
        return set()
    lines = (line.split("#", 1)[0].split() for line in path.read_text("utf-8").splitlines())
    return {words[0] for words in lines if words}


def audit(distributions: list[tuple[str, str]], snapshot: Path) -> list[Finding]:
    wanted = {canonicalize_name(name): (name, version) for name, version in distributions}
    skip = ignored()
    findings = []
    with tarfile.open(snapshot) as archive:
        for member in archive:
            parts = member.name.split("/")
            if not member.isfile() or len(parts) != 3 or parts[0] != "vulns":
                continue
            key = canonicalize_name(parts[1])
            if key not in wanted:
                continue
            record = yaml.safe_load(archive.extractfile(member).read())
            if not record or record.get("withdrawn") or record.get("id") in skip:
                continue
            name, version = wanted[key]
            hit, fixes = affects(record, key, version)
            if hit:
                findings.append(Finding(name, version, record["id"], fixes))
    return sorted(findings, key=lambda f: (f.package.lower(), f.advisory))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter to audit")
    parser.add_argument("--snapshot", type=Path, help="snapshot file (default: the newest)")
    args = parser.parse_args(argv)
    try:
        snapshot, day = (args.snapshot, "?") if args.snapshot else newest_snapshot()
        if args.snapshot and (match := SNAPSHOT_NAME.search(args.snapshot.name)):
            day = match.group(1)
        distributions = installed(args.python)
        findings = audit(distributions, snapshot)
    except (OSError, tarfile.TarError, yaml.YAMLError, subprocess.CalledProcessError) as exc:
        print(f"advisory snapshot: cannot check ({exc})", file=sys.stderr)
        return 2
    for finding in findings:
        print(finding)
    print(
        f"advisory snapshot of {day}: {len(distributions)} packages checked, "
        f"{len(findings)} known vulnerable (advisories published after that day are not known to it)"
    )
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
