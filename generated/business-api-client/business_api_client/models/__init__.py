"""Contains all the data models used in inputs/outputs"""

from .admin_user_update import AdminUserUpdate
from .health import Health
from .password_change import PasswordChange
from .problem import Problem
from .problem_checks import ProblemChecks
from .problem_error import ProblemError
from .profile_update import ProfileUpdate
from .readiness import Readiness
from .readiness_checks import ReadinessChecks
from .register_request import RegisterRequest
from .replay_request import ReplayRequest
from .replay_result import ReplayResult
from .role import Role
from .role_counts import RoleCounts
from .token import Token
from .token_request import TokenRequest
from .user_page import UserPage
from .user_public import UserPublic
from .user_stats import UserStats

__all__ = (
    "AdminUserUpdate",
    "Health",
    "PasswordChange",
    "Problem",
    "ProblemChecks",
    "ProblemError",
    "ProfileUpdate",
    "Readiness",
    "ReadinessChecks",
    "RegisterRequest",
    "ReplayRequest",
    "ReplayResult",
    "Role",
    "RoleCounts",
    "Token",
    "TokenRequest",
    "UserPage",
    "UserPublic",
    "UserStats",
)
