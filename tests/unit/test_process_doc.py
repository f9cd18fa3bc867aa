"""docs/process.md draws the two state machines as the code has them: every submission state and
every move of `ALLOWED`, every phase and every move of `DECISIONS`, with the pages' labels, and
nothing the code does not allow."""

from __future__ import annotations

import re
from pathlib import Path

from portal.evaluation.models import PHASE_LABELS, Phase
from portal.evaluation.phases import DECISIONS
from portal.submissions.models import STATE_LABELS, State
from portal.submissions.states import ALLOWED

DOC = Path(__file__).resolve().parents[2] / "docs" / "process.md"
MERMAID = re.compile(r"^```mermaid\n(.*?)^```", re.MULTILINE | re.DOTALL)
EDGE = re.compile(r"^\s*(\[\*\]|\w+)\s*-->\s*(\[\*\]|\w+)\s*(?::.*)?$", re.MULTILINE)
NAMED = re.compile(r'^\s*state\s+"([^"]+)"\s+as\s+(\w+)\s*$', re.MULTILINE)


def diagram(declaring: str) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """The state diagram that declares `declaring`: its states (id → label) and its moves."""
    for block in MERMAID.findall(DOC.read_text(encoding="utf-8")):
        states = {key: label for label, key in NAMED.findall(block)}
        if block.lstrip().startswith("stateDiagram") and declaring in states:
            return states, {(a, b) for a, b in EDGE.findall(block) if "[*]" not in (a, b)}
    raise AssertionError(f"no state diagram declares {declaring}")


def test_the_submission_diagram_is_the_table_of_allowed_moves():
    states, moves = diagram(State.RECEIVED.value)
    assert states == {s.value: str(STATE_LABELS[s]) for s in State}
    assert moves == {(a.value, b.value) for a, targets in ALLOWED.items() for b in targets}


def test_the_phase_diagram_is_the_table_of_decisions():
    phases, moves = diagram(Phase.IDEA.value)
    assert phases == {p.value: str(PHASE_LABELS[p]) for p in Phase}
    assert moves == {
        (phase.value, to.value)
        for phase, outcomes in DECISIONS.items()
        for targets in outcomes.values()
        for to in targets
    }


def test_edges_are_read_from_mermaid_lines():
    block = "[*] --> draft: saved\n    draft --> received: sent\n    withdrawn --> [*]\n"
    assert EDGE.findall(block) == [("[*]", "draft"), ("draft", "received"), ("withdrawn", "[*]")]
