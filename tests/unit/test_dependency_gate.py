"""The dependency gate: scripts/audit-dependencies and its advisory snapshot check."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("audit_snapshot", ROOT / "scripts/audit_snapshot.py")
audit_snapshot = importlib.util.module_from_spec(_spec)
sys.modules["audit_snapshot"] = audit_snapshot  # its dataclass looks its module up
_spec.loader.exec_module(audit_snapshot)

# PYSEC-2023-62 (Flask) as the snapshot holds it: two ranges, and an explicit version list.
FLASK_RANGES = [
    {"introduced": "0"},
    {"fixed": "2.2.5"},
    {"introduced": "2.3.0"},
    {"fixed": "2.3.2"},
]
RECORD = {
    "id": "PYSEC-2023-62",
    "affected": [
        {
            "package": {"name": "flask", "ecosystem": "PyPI"},
            "ranges": [
                {"type": "GIT", "events": [{"introduced": "0"}, {"fixed": "70f906c"}]},
                {"type": "ECOSYSTEM", "events": FLASK_RANGES},
            ],
            "versions": ["2.2.4", "2.3.1"],
        }
    ],
}


@pytest.mark.parametrize(
    ("version", "affected"),
    [
        ("0.1", True),
        ("2.2.4", True),
        ("2.2.5", False),
        ("2.2.10", False),
        ("2.3.0", True),
        ("2.3.1", True),
        ("2.3.2", False),
        ("3.1.3", False),
    ],
)
def test_range_follows_events_in_version_order(version, affected):
    assert audit_snapshot.in_range(Version(version), FLASK_RANGES) is affected


def test_last_affected_includes_that_release_only():
    events = [{"introduced": "1.0"}, {"last_affected": "1.4"}]
    assert audit_snapshot.in_range(Version("1.4"), events)
    assert not audit_snapshot.in_range(Version("1.4.1"), events)
    assert not audit_snapshot.in_range(Version("0.9"), events)


def test_advisory_names_its_fixes_and_matches_by_normalised_name():
    assert audit_snapshot.affects(RECORD, "flask", "2.2.4") == (True, ("2.2.5", "2.3.2"))
    assert audit_snapshot.affects(RECORD, "flask", "3.1.3")[0] is False
    assert audit_snapshot.affects(RECORD, "werkzeug", "2.2.4")[0] is False


def test_snapshot_finds_known_vulnerable_pins_and_passes_fixed_ones():
    snapshot, day = audit_snapshot.newest_snapshot()
    assert day == "2024-10-10"
    findings = audit_snapshot.audit(
        [("Flask", "2.2.4"), ("Werkzeug", "2.2.2"), ("Jinja2", "3.1.4"), ("Flask-Mail", "0.10.0")],
        snapshot,
    )
    ids = {(f.package, f.advisory) for f in findings}
    assert ("Flask", "PYSEC-2023-62") in ids
    assert {("Werkzeug", "PYSEC-2023-57"), ("Werkzeug", "PYSEC-2023-58")} <= ids
    assert not {f for f in findings if f.package in {"Jinja2", "Flask-Mail"}}
    assert "fixed in 2.2.5" in str(next(f for f in findings if f.advisory == "PYSEC-2023-62"))


def gate(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUDIT_OFFLINE": "1"}
    return subprocess.run(  # noqa: S603
        [str(ROOT / "scripts/audit-dependencies"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_gate_passes_the_projects_own_environment():
    result = gate()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "advisory snapshot of 2024-10-10" in result.stdout
    assert "0 known vulnerable" in result.stdout


@pytest.mark.slow
def test_gate_fails_on_a_known_vulnerable_pin_in_a_throwaway_environment(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [str(venv / "bin/python"), "-m", "pip", "install", "-q", "--no-deps", "flask==2.2.4"],
        check=True,
        timeout=240,
    )
    result = gate("--python", str(venv / "bin/python"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Flask 2.2.4: PYSEC-2023-62 (fixed in 2.2.5, 2.3.2)" in result.stdout
