"""Every /users operation through HTTP against the real PostgreSQL."""

from __future__ import annotations

import asyncio

import httpx
from contract_models.data import User, UserCredentials, UserPage, UserStats
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.data_service.conftest import make_user, outbox_rows
from tests.infra import HASH, user_body


async def test_create_returns_user_location_and_defaults(client: httpx.AsyncClient) -> None:
    response = await client.post("/users", json=user_body("ada", full_name="Ada Lovelace"))
    assert response.status_code == 201
    user = User.model_validate(response.json())
    assert response.headers["Location"] == f"/users/{user.id}"
    assert (user.username, user.full_name, user.role, user.is_active, user.version) == (
        "ada",
        "Ada Lovelace",
        "user",
        True,
        1,
    )
    assert "hashed_password" not in response.json()
    assert response.headers["X-Request-ID"]


async def test_create_without_full_name_stores_empty(client: httpx.AsyncClient) -> None:
    user = await make_user(client, "bob", role="admin", is_active=False)
    assert (user["full_name"], user["role"], user["is_active"]) == ("", "admin", False)


async def test_get_by_id_and_username_and_credentials(client: httpx.AsyncClient) -> None:
    created = await make_user(client, "ada")
    by_id = await client.get(f"/users/{created['id']}")
    by_name = await client.get("/users/by-username/ada")
    assert by_id.status_code == by_name.status_code == 200
    assert by_id.json() == by_name.json() == created
    for path in (f"/users/{created['id']}/credentials", "/users/by-username/ada/credentials"):
        response = await client.get(path)
        assert response.status_code == 200
        credentials = UserCredentials.model_validate(response.json())
        assert credentials.hashed_password == HASH
        assert credentials.id == created["id"]


async def test_lookup_answers_the_users_found_in_the_order_asked_each_once(client: httpx.AsyncClient) -> None:
    ada = await make_user(client, "ada")
    bob = await make_user(client, "bob")
    eve = await make_user(client, "eve")
    missing = eve["id"] + 1000
    response = await client.post("/users/lookup", json={"ids": [eve["id"], missing, ada["id"], eve["id"]]})
    assert response.status_code == 200
    # What GET /users/{id} answers for each, in the order asked, the unknown id left out.
    assert response.json() == {"items": [eve, ada]}
    assert bob not in response.json()["items"]
    nobody = await client.post("/users/lookup", json={"ids": [missing]})
    assert (nobody.status_code, nobody.json()) == (200, {"items": []})


async def test_lookup_refuses_no_ids_too_many_ids_and_bad_ids(client: httpx.AsyncClient) -> None:
    for ids in ([], list(range(1, 102)), [0], ["x"]):
        response = await client.post("/users/lookup", json={"ids": ids})
        assert response.status_code == 422, ids
        assert response.headers["content-type"] == "application/problem+json"


async def test_a_deleted_user_is_gone_at_both_addresses(client: httpx.AsyncClient) -> None:
    # The fuzz gate cannot connect the two addresses of a user (see schemathesis.toml).
    created = await make_user(client, "ada")
    assert (await client.delete(f"/users/{created['id']}")).status_code == 204
    for path in (
        f"/users/{created['id']}",
        "/users/by-username/ada",
        "/users/by-username/ada/credentials",
    ):
        assert (await client.get(path)).status_code == 404, path


async def test_unknown_user_is_404(client: httpx.AsyncClient) -> None:
    for method, path in [
        ("GET", "/users/999"),
        ("GET", "/users/999/credentials"),
        ("GET", "/users/by-username/nobody"),
        ("GET", "/users/by-username/nobody/credentials"),
        ("DELETE", "/users/999"),
    ]:
        response = await client.request(method, path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 404
    response = await client.patch("/users/999", json={"version": 1, "full_name": "x"})
    assert response.status_code == 404


async def test_username_lookup_is_case_sensitive(client: httpx.AsyncClient) -> None:
    await make_user(client, "Ada")
    assert (await client.get("/users/by-username/ada")).status_code == 404
    assert (await client.get("/users/by-username/Ada")).status_code == 200


async def test_duplicate_email_case_insensitive_and_username_are_409(client: httpx.AsyncClient) -> None:
    await make_user(client, "ada")
    response = await client.post("/users", json=user_body("other", email="ADA@Example.COM"))
    assert response.status_code == 409
    assert "email" in response.json()["detail"]
    response = await client.post("/users", json=user_body("ada", email="new@example.com"))
    assert response.status_code == 409
    assert "username" in response.json()["detail"]


async def test_concurrent_creates_of_one_username_give_201_and_409(client: httpx.AsyncClient) -> None:
    responses = await asyncio.gather(
        client.post("/users", json=user_body("race", email="one@example.com")),
        client.post("/users", json=user_body("race", email="two@example.com")),
    )
    assert sorted(r.status_code for r in responses) == [201, 409]


async def test_update_changes_fields_bumps_version_and_writes_event(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    user = await make_user(client, "ada")
    response = await client.patch(
        f"/users/{user['id']}",
        json={"version": 1, "full_name": "Augusta Ada King", "hashed_password": "$new$hash", "role": "admin"},
    )
    assert response.status_code == 200
    updated = response.json()
    assert (updated["full_name"], updated["role"], updated["version"]) == ("Augusta Ada King", "admin", 2)
    assert updated["updated_at"] >= user["updated_at"]
    credentials = (await client.get(f"/users/{user['id']}/credentials")).json()
    assert credentials["hashed_password"] == "$new$hash"
    events = await outbox_rows(engine)
    assert [e["event_type"] for e in events] == ["user.created", "user.updated"]
    assert events[1]["payload"]["changed"] == ["password", "full_name", "role"]
    assert events[1]["payload"]["user"]["version"] == 2


async def test_update_without_change_keeps_version_and_writes_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    user = await make_user(client, "ada", full_name="Ada")
    for body in ({"version": 1}, {"version": 1, "full_name": "Ada", "username": "ada"}):
        response = await client.patch(f"/users/{user['id']}", json=body)
        assert response.status_code == 200
        assert response.json() == user
    assert len(await outbox_rows(engine)) == 1


async def test_revoking_tokens_moves_the_epoch_without_a_version_or_event(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    user = await make_user(client, "ada")
    assert user["tokens_valid_after"] == "1970-01-01T00:00:00Z"
    epochs = []
    for _ in range(2):
        response = await client.patch(f"/users/{user['id']}", json={"version": 1, "revoke_tokens": True})
        assert response.status_code == 200
        revoked = User.model_validate(response.json())
        assert revoked.version == 1
        epochs.append(revoked.tokens_valid_after)
    assert epochs[0] < epochs[1]  # each revocation is later than the one before
    unchanged = await client.patch(f"/users/{user['id']}", json={"version": 1, "revoke_tokens": False})
    assert User.model_validate(unchanged.json()).tokens_valid_after == epochs[1]
    assert len(await outbox_rows(engine)) == 1  # only user.created


async def test_stale_version_is_412_and_changes_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    user = await make_user(client, "ada")
    assert (
        await client.patch(f"/users/{user['id']}", json={"version": 1, "full_name": "A"})
    ).status_code == 200
    response = await client.patch(f"/users/{user['id']}", json={"version": 1, "full_name": "B"})
    assert response.status_code == 412
    assert response.headers["content-type"] == "application/problem+json"
    assert (await client.get(f"/users/{user['id']}")).json()["full_name"] == "A"
    assert len(await outbox_rows(engine)) == 2


async def test_update_to_taken_email_is_409_and_writes_no_event(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await make_user(client, "ada")
    bob = await make_user(client, "bob")
    response = await client.patch(f"/users/{bob['id']}", json={"version": 1, "email": "Ada@example.com"})
    assert response.status_code == 409
    response = await client.patch(f"/users/{bob['id']}", json={"version": 1, "username": "ada"})
    assert response.status_code == 409
    assert (await client.get(f"/users/{bob['id']}")).json() == bob
    assert [e["event_type"] for e in await outbox_rows(engine)] == ["user.created", "user.created"]


async def test_email_case_change_is_a_change(client: httpx.AsyncClient) -> None:
    user = await make_user(client, "ada")
    response = await client.patch(f"/users/{user['id']}", json={"version": 1, "email": "ADA@example.com"})
    assert response.status_code == 200
    assert response.json()["email"] == "ADA@example.com"
    assert response.json()["version"] == 2


async def test_delete_is_204_and_writes_last_snapshot(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    user = await make_user(client, "ada")
    response = await client.delete(f"/users/{user['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert (await client.get(f"/users/{user['id']}")).status_code == 404
    events = await outbox_rows(engine)
    assert events[-1]["event_type"] == "user.deleted"
    assert events[-1]["user_id"] == user["id"]
    assert events[-1]["payload"]["user"]["username"] == "ada"
    assert (await client.delete(f"/users/{user['id']}")).status_code == 404


async def test_stats_count_by_role_and_activity(client: httpx.AsyncClient) -> None:
    assert (await client.get("/users/stats")).json() == {
        "total": 0,
        "active": 0,
        "inactive": 0,
        "by_role": {"user": 0, "admin": 0},
    }
    await make_user(client, "ada", role="admin")
    await make_user(client, "bob", is_active=False)
    await make_user(client, "cid")
    stats = UserStats.model_validate((await client.get("/users/stats")).json())
    assert (stats.total, stats.active, stats.inactive) == (3, 2, 1)
    assert (stats.by_role.user, stats.by_role.admin) == (2, 1)


async def test_list_pages_in_id_order(client: httpx.AsyncClient) -> None:
    empty = (await client.get("/users")).json()
    assert empty == {"items": [], "total": 0, "limit": 20, "offset": 0}
    for i in range(5):
        await make_user(client, f"user{i}")
    page = UserPage.model_validate((await client.get("/users", params={"limit": 2, "offset": 4})).json())
    assert ([u.username for u in page.items], page.total, page.limit, page.offset) == (["user4"], 5, 2, 4)
    past = (await client.get("/users", params={"offset": 10})).json()
    assert (past["items"], past["total"]) == ([], 5)
    ids = [u["id"] for u in (await client.get("/users", params={"limit": 100})).json()["items"]]
    assert ids == sorted(ids)
    assert len(ids) == 5
    for bad in ({"limit": 101}, {"limit": 0}, {"offset": -1}, {"offset": 1000001}, {"role": "root"}):
        assert (await client.get("/users", params=bad)).status_code == 422, bad


async def test_list_full_page_of_100_and_last_page(client: httpx.AsyncClient) -> None:
    for i in range(105):
        await make_user(client, f"user{i:03}")
    full = (await client.get("/users", params={"limit": 100})).json()
    assert (len(full["items"]), full["total"]) == (100, 105)
    last = (await client.get("/users", params={"limit": 100, "offset": 100})).json()
    assert [u["username"] for u in last["items"]] == [f"user{i}" for i in range(100, 105)]
    assert (await client.get("/users", params={"limit": 101})).status_code == 422


async def test_list_filters_by_role_and_activity(client: httpx.AsyncClient) -> None:
    await make_user(client, "ada", role="admin")
    await make_user(client, "bob", is_active=False)
    await make_user(client, "cid")
    admins = (await client.get("/users", params={"role": "admin"})).json()
    assert [u["username"] for u in admins["items"]] == ["ada"]
    inactive = (await client.get("/users", params={"is_active": "false"})).json()
    assert [u["username"] for u in inactive["items"]] == ["bob"]
    both = (await client.get("/users", params={"role": "user", "is_active": "true"})).json()
    assert ([u["username"] for u in both["items"]], both["total"]) == (["cid"], 1)


async def test_search_matches_wildcards_literally(client: httpx.AsyncClient) -> None:
    await make_user(client, "a_b", email="a_b@example.com")
    await make_user(client, "axb", email="axb@example.com")
    await make_user(client, "pct", email="100%real@example.com")
    await make_user(client, "Mixed.Case", email="mc@EXAMPLE.org")

    async def found(q: str) -> list[str]:
        response = await client.get("/users", params={"q": q})
        assert response.status_code == 200, response.text
        return [u["username"] for u in response.json()["items"]]

    assert await found("a_b") == ["a_b"]
    assert await found("_") == ["a_b"]
    assert await found("%") == ["pct"]
    assert await found("0%r") == ["pct"]
    assert await found("mixed.case") == ["Mixed.Case"]
    assert await found("example.org") == ["Mixed.Case"]
    assert await found("\\") == []
    assert await found("a\\_b") == []
    assert await found("'; DROP TABLE users; --") == []
    assert await found('"') == []
    assert await found("Ω日本") == []
    assert len(await found("example")) == 4
    assert (await client.get("/users", params={"q": ""})).status_code == 422
    assert (await client.get("/users", params={"q": "a\x00b"})).status_code == 422
    assert (await client.get("/users", params={"q": "x" * 101})).status_code == 422
