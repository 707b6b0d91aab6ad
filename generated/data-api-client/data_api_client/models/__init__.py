"""Contains all the data models used in inputs/outputs"""

from .event_type import EventType
from .health import Health
from .outbox_ack import OutboxAck
from .outbox_ack_result import OutboxAckResult
from .outbox_batch import OutboxBatch
from .outbox_claim import OutboxClaim
from .outbox_event import OutboxEvent
from .outbox_event_payload import OutboxEventPayload
from .outbox_event_trace_context_type_0 import OutboxEventTraceContextType0
from .outbox_history_page import OutboxHistoryPage
from .outbox_history_query import OutboxHistoryQuery
from .outbox_stats import OutboxStats
from .problem import Problem
from .problem_checks import ProblemChecks
from .problem_error import ProblemError
from .readiness import Readiness
from .readiness_checks import ReadinessChecks
from .role import Role
from .role_counts import RoleCounts
from .user import User
from .user_create import UserCreate
from .user_credentials import UserCredentials
from .user_list import UserList
from .user_lookup import UserLookup
from .user_page import UserPage
from .user_stats import UserStats
from .user_update import UserUpdate

__all__ = (
    "EventType",
    "Health",
    "OutboxAck",
    "OutboxAckResult",
    "OutboxBatch",
    "OutboxClaim",
    "OutboxEvent",
    "OutboxEventPayload",
    "OutboxEventTraceContextType0",
    "OutboxHistoryPage",
    "OutboxHistoryQuery",
    "OutboxStats",
    "Problem",
    "ProblemChecks",
    "ProblemError",
    "Readiness",
    "ReadinessChecks",
    "Role",
    "RoleCounts",
    "User",
    "UserCreate",
    "UserCredentials",
    "UserList",
    "UserLookup",
    "UserPage",
    "UserStats",
    "UserUpdate",
)
