"""schemathesis hooks for the business passes: a caller who knows its own password.

A bearer token handed to schemathesis on the command line leaves it unable to change the
caller's password: it cannot know the current one, so `POST /users/me/password` only ever
answered 403 and the change itself (hashing, the version check, the cache invalidation)
was never fuzzed with valid input. Here the caller logs in with its username and password,
puts its real current password into most password-change bodies, and after a 204 takes
the new password as its own and logs in again with it (a failed login fails the run: the
change did not take). A password change and a logout revoke the caller's token, so after
either it logs in again. It follows its username too, which `PATCH /users/me` may change.

tests/fuzz/gate.py loads this module into the schemathesis process (SCHEMATHESIS_HOOKS)
with the caller in the environment; without FUZZ_CALLER_USERNAME it registers nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import httpx
import schemathesis
from schemathesis import Case, HookContext, Response
from schemathesis.auths import AuthContext

PASSWORD_CHANGE = "POST /users/me/password"
LOGOUT = "POST /auth/logout"
PROFILE_READS = ("GET /users/me", "PATCH /users/me")
# Every KEEP_EVERY-th password change keeps the fuzzer's own current_password, so the
# wrong-password answer (403) stays covered; the others get the caller's real one.
KEEP_EVERY = 3
ENV_URL, ENV_USERNAME, ENV_PASSWORD = "FUZZ_CALLER_URL", "FUZZ_CALLER_USERNAME", "FUZZ_CALLER_PASSWORD"


@dataclass
class Caller:
    url: str
    username: str
    password: str
    token: str | None = None
    password_changes_seen: int = 0

    def current_token(self) -> str:
        if self.token is None:
            with httpx.Client(base_url=self.url, timeout=10) as client:
                response = client.post(
                    "/auth/token", data={"username": self.username, "password": self.password}
                )
            if response.status_code != 200:
                raise RuntimeError(
                    f"{self.username!r} could not log in with its current password: "
                    f"{response.status_code} {response.text}"
                )
            self.token = str(response.json()["access_token"])
        return self.token

    def fill_in_password(self, body: dict[str, Any]) -> None:
        self.password_changes_seen += 1
        if self.password_changes_seen % KEEP_EVERY != 0:
            body["current_password"] = self.password

    def password_changed(self, new_password: str) -> None:
        self.password = new_password
        self.token = None  # the next case logs in with the new password


def caller_from_environment() -> Caller | None:
    if ENV_USERNAME not in os.environ:
        return None
    return Caller(os.environ[ENV_URL], os.environ[ENV_USERNAME], os.environ[ENV_PASSWORD])


CALLER = caller_from_environment()


if CALLER is not None:
    known = CALLER

    # No caching by schemathesis (refresh_interval=None): the token is the caller's until
    # its password changes, and a 401 must fail the check, not trigger a quiet re-login.
    @schemathesis.auth(refresh_interval=None)
    class KnownPassword:
        def get(self, case: Case[Any], context: AuthContext) -> str:  # noqa: ARG002 (the provider protocol)
            return known.current_token()

        def set(self, case: Case[Any], data: str, context: AuthContext) -> None:  # noqa: ARG002
            case.headers["Authorization"] = f"Bearer {data}"

    @schemathesis.hook
    def before_call(context: HookContext, case: Case[Any], kwargs: dict[str, Any]) -> None:
        # Only a body that is an object with a string current_password: schemathesis
        # revalidates a case its hook changed, so a negative case made valid counts as valid.
        if (
            case.operation.label == PASSWORD_CHANGE
            and isinstance(case.body, dict)
            and isinstance(case.body.get("current_password"), str)
        ):
            known.fill_in_password(case.body)

    @schemathesis.hook
    def after_call(context: HookContext, case: Case[Any], response: Response) -> None:
        if case.operation.label == PASSWORD_CHANGE and response.status_code == 204:
            assert isinstance(case.body, dict)
            known.password_changed(str(case.body["new_password"]))
        elif case.operation.label == LOGOUT and response.status_code == 204:
            known.token = None  # revoked: the next case logs in again
        elif case.operation.label in PROFILE_READS and response.status_code == 200:
            known.username = response.json()["username"]
