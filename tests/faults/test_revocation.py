"""Revocable sessions: a token taken before a password change, a logout, a deactivation or a
demotion is refused on its next request by every business process; one taken after works.

Two business processes share the data service and Redis, as in production; each has
verified the old token (so it sits in its verified-token memory) and cached its user
before the revocation, which is made through the other process.
"""

from __future__ import annotations

import httpx

from tests.faults.conftest import (
    PASSWORD,
    assert_problem,
    bearer,
    register,
    two_business_processes,
)
from tests.live import LiveService

ADMIN = {"ADMIN_USERNAME": "root", "ADMIN_EMAIL": "root@example.com", "ADMIN_PASSWORD": "admin-password-1"}


async def _works_on_both(clients: list[httpx.AsyncClient], headers: dict[str, str]) -> None:
    for client in clients:
        response = await client.get("/users/me", headers=headers)
        assert response.status_code == 200, response.text


async def _refused_on_both(clients: list[httpx.AsyncClient], headers: dict[str, str]) -> None:
    for client in clients:
        response = await client.get("/users/me", headers=headers)
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_revoked_tokens_are_refused_by_every_process_and_new_ones_work(
    live_data: LiveService, database: str, faults_redis_url: str
) -> None:
    env = {"REDIS_URL": faults_redis_url, **ADMIN}
    async with two_business_processes(live_data.url, **env) as (one, two):
        both = [one, two]
        admin_login = {"username": "root", "password": "admin-password-1"}
        admin_token = (await two.post("/auth/token", data=admin_login)).json()["access_token"]
        admin = {"Authorization": f"Bearer {admin_token}"}
        ids = {name: (await register(one, name))["id"] for name in ("ann", "bob", "cat", "dan")}

        # A password change, through the first process.
        old = await bearer(one, "ann")
        await _works_on_both(both, old)
        change = {"current_password": PASSWORD, "new_password": "a-new-password-2"}
        assert (await one.post("/users/me/password", headers=old, json=change)).status_code == 204
        await _refused_on_both(both, old)
        new_login = {"username": "ann", "password": "a-new-password-2"}
        new_token = (await two.post("/auth/token", data=new_login)).json()["access_token"]
        await _works_on_both(both, {"Authorization": f"Bearer {new_token}"})

        # A logout, through the second process.
        old = await bearer(one, "bob")
        await _works_on_both(both, old)
        assert (await two.post("/auth/logout", headers=old)).status_code == 204
        await _refused_on_both(both, old)
        await _works_on_both(both, await bearer(one, "bob"))

        # A deactivation by an admin (undone, then a new token works).
        old = await bearer(one, "cat")
        await _works_on_both(both, old)
        user = f"/users/{ids['cat']}"
        assert (await two.patch(user, headers=admin, json={"is_active": False})).status_code == 200
        await _refused_on_both(both, old)
        assert (await two.patch(user, headers=admin, json={"is_active": True})).status_code == 200
        await _refused_on_both(both, old)
        await _works_on_both(both, await bearer(two, "cat"))

        # A demotion: dan, made admin, reads every user; demoted, his admin token is refused.
        user = f"/users/{ids['dan']}"
        assert (await one.patch(user, headers=admin, json={"role": "admin"})).status_code == 200
        old = await bearer(two, "dan")
        for client in both:
            assert (await client.get("/users/stats", headers=old)).status_code == 200
        assert (await one.patch(user, headers=admin, json={"role": "user"})).status_code == 200
        await _refused_on_both(both, old)
        await _works_on_both(both, await bearer(one, "dan"))
        # The admin's own token, taken before all this, was never revoked.
        await _works_on_both(both, admin)
