"""The roles a person can hold (docs/domain.md): below every capability, so that the access rules
(portal/permissions.py) and every capability name them the same way. portal/accounts keeps
who holds which."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    EMPLOYEE = "employee"
    PROCESS_SUPPORT = "process_support"
    EXPERT = "expert"
    CORE_TEAM = "core_team"
    BOARD = "board"
    ADMIN = "admin"
    # Funding mandates (agreement appendix 1, §4): up to 50 000 kr and up to 200 000 kr.
    PROJECT_LEADER = "project_leader"
    PROCESS_LEADER = "process_leader"
