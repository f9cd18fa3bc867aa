"""Imports every model so that the metadata (and Alembic) sees the whole schema, and the
capabilities' database objects and session hooks (portal/ddl.py)."""

from portal import ddl  # noqa: E402
from portal.accessibility.models import AccessibilityCheck, AccessibilityStatement  # noqa: F401
from portal.accounts.models import AccountToken, User, UserRole  # noqa: F401
from portal.api.models import ApiToken  # noqa: F401
from portal.audit import AuditEntry  # noqa: F401
from portal.board.monthly import SubmissionMonth, SubmitterMonth  # noqa: F401
from portal.board.version import BoardVersion  # noqa: F401
from portal.calls.models import Call  # noqa: F401, E402
from portal.evaluation.agreement.models import AgreementEntry  # noqa: F401
from portal.evaluation.goals import InitiativeGoal  # noqa: F401
from portal.evaluation.models import (  # noqa: F401, E402
    AgendaItem,
    ConflictOfInterest,
    Decision,
    FundingRequest,
    Initiative,  # noqa: F401, E402
    InnovationBudget,
    Insight,
    PilotReport,
    PilotReportFile,
    PriorityMeeting,
    Rating,
    RatingRequest,
)
from portal.hub.models import Publication, SearchDocument  # noqa: F401
from portal.intents import Intent  # noqa: F401
from portal.mail.models import OutboxMessage  # noqa: F401
from portal.notifications.models import MilestoneOptOut, SubmitterNotification  # noqa: F401
from portal.privacy.models import RetentionRule, SubmissionRecord  # noqa: F401
from portal.reference.goals import Goal, GoalName  # noqa: F401
from portal.reference.models import (  # noqa: F401
    Agenda2030Goal,
    Criterion,
    FocusArea,
    Party,
    Perspective,
    Portfolio,
)
from portal.submissions.models import (  # noqa: F401
    Attachment,
    PrivateLink,
    RegistrationCounter,
    Submission,
)
from portal.texts.models import SiteText  # noqa: F401, E402
from portal.triage.counts import StateCount  # noqa: F401

ddl.load()
