"""The W3C's Nu Html Checker (vnu.jar) over pages as the server sent them.

scripts/test installs vnu-jar from the npm registry (pinned) into the git-ignored `.tools/`;
VNU_JAR and JAVA name other copies. One Java start checks a whole batch of pages: the pages
are written to a temporary folder and vnu reads them all.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = Path(
    os.environ.get(
        "VNU_JAR", ROOT / ".tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    )
)
# C1 only and the serial collector: vnu runs once over a batch, so a quick start matters more
# than peak speed. The checker needs a larger thread stack than the default under C1.
JAVA_OPTIONS = ["-Xss8m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]


@dataclass(frozen=True)
class Problem:
    page: str
    line: int | None
    column: int | None
    kind: str  # vnu's "error" (or "non-document-error"), "info" or "info/warning"
    message: str
    extract: str

    def __str__(self) -> str:
        where = f"{self.page}:{self.line}" + (f":{self.column}" if self.column else "")
        extract = " ".join(self.extract.split())[:160]
        return f"{where}: {self.message}" + (f"\n    {extract}" if extract else "")


def java() -> str:
    found = os.environ.get("JAVA") or shutil.which("java")
    if not found:
        pytest.fail(
            "Java is missing, and the HTML check needs it: run scripts/test as root (it installs"
            " default-jre-headless) or 'sudo apt-get install -y default-jre-headless'.",
            pytrace=False,
        )
    return found


def vnu_jar() -> Path:
    if not VNU_JAR.is_file():
        pytest.fail(
            f"vnu.jar is missing ({VNU_JAR}): scripts/test installs it from the npm registry"
            " (vnu-jar, into .tools/), or set VNU_JAR to a copy.",
            pytrace=False,
        )
    return VNU_JAR


def check_html(pages: dict[str, str]) -> list[Problem]:
    """Every message vnu gives on these pages (address -> HTML as served), in page order."""
    if not pages:
        return []
    command = [java(), *JAVA_OPTIONS, "-jar", str(vnu_jar())]
    with tempfile.TemporaryDirectory(prefix="vnu-") as folder:
        names: dict[str, str] = {}  # vnu's address of each file -> the page's address
        files = []
        for number, (address, html) in enumerate(pages.items()):
            file = Path(folder) / f"page-{number:03d}.html"
            file.write_text(html, encoding="utf-8")
            files.append(str(file))
            names[f"file:{file}"] = address
        result = subprocess.run(
            [*command, "--format", "json", "--exit-zero-always", "--stdout", *files],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    if result.returncode != 0 or not result.stdout.strip():
        pytest.fail(f"vnu failed ({result.returncode}): {result.stderr[-2000:]}", pytrace=False)
    order = {address: n for n, address in enumerate(pages)}
    problems = [
        Problem(
            page=names.get(message.get("url", ""), message.get("url", "?")),
            line=message.get("lastLine"),
            column=message.get("firstColumn"),
            kind=message["type"] + (f"/{message['subType']}" if message.get("subType") else ""),
            message=message.get("message", ""),
            extract=message.get("extract", ""),
        )
        for message in json.loads(result.stdout)["messages"]
    ]
    return sorted(problems, key=lambda p: (order.get(p.page, len(order)), p.line or 0))


def errors(problems: list[Problem]) -> list[Problem]:
    """What fails the check: vnu's errors (and a page it could not read); not info/warnings."""
    return [p for p in problems if p.kind.split("/")[0] in {"error", "non-document-error"}]
