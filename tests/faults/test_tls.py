"""The internal hop over TLS, with certificates made for the test by trustme: the data
service serves HTTPS and asks for a client certificate (uvicorn's options), the business
service trusts DATA_CA_FILE and presents DATA_CLIENT_CERT_FILE; a wrong CA, or no client
certificate, is a quick 503 that says so, never a hang."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import trustme

from tests.faults.conftest import (
    assert_problem,
    bearer,
    business_service,
    data_service_over_tls,
    register,
    user_body,
)
from tests.live import LiveService
from tools.uvicorn_server import ServerTls

# Well under a hang: the connect timeout, twice (the retries), and slack for a busy machine.
NO_HANG = 10.0


@dataclass(frozen=True)
class Certificates:
    ca: Path
    client: Path  # the business service's certificate and key
    other_ca: Path  # a CA that signed nothing the data service shows


# One data service over TLS for the module: its tests go to one xdist worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("tls-data-service")


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Certificates, ServerTls]:
    folder = tmp_path_factory.mktemp("tls")
    ca, other = trustme.CA(), trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    client = ca.issue_cert("business.internal")
    paths = Certificates(ca=folder / "ca.pem", client=folder / "client.pem", other_ca=folder / "other-ca.pem")
    ca.cert_pem.write_to_path(paths.ca)
    other.cert_pem.write_to_path(paths.other_ca)
    client.private_key_and_cert_chain_pem.write_to_path(paths.client)
    server.cert_chain_pems[0].write_to_path(folder / "server.pem")
    server.private_key_pem.write_to_path(folder / "server-key.pem")
    probe = ssl.create_default_context(cafile=paths.ca)
    probe.load_cert_chain(paths.client)
    tls = ServerTls(
        certfile=folder / "server.pem", keyfile=folder / "server-key.pem", client=probe, client_ca=paths.ca
    )
    return paths, tls


@pytest.fixture(scope="module")
def tls_data(
    migrated_database_url: str, certificates: tuple[Certificates, ServerTls]
) -> Iterator[LiveService]:
    with data_service_over_tls(migrated_database_url, certificates[1]) as service:
        assert service.url.startswith("https://")
        yield service


async def test_the_whole_journey_runs_over_mutual_tls(
    tls_data: LiveService, database: str, certificates: tuple[Certificates, ServerTls]
) -> None:
    paths, _ = certificates
    env = {"DATA_CA_FILE": str(paths.ca), "DATA_CLIENT_CERT_FILE": str(paths.client)}
    with business_service(tls_data.url, **env) as business:
        async with httpx.AsyncClient(base_url=business.url, timeout=30) as client:
            ready = await client.get("/ready")
            assert ready.status_code == 200, ready.text
            created = await register(client, "ann")
            headers = await bearer(client, "ann")
            changed = await client.patch("/users/me", headers=headers, json={"full_name": "Ann over TLS"})
            assert changed.status_code == 200, changed.text
            me = await client.get(f"/users/{created['id']}", headers=headers)
            assert me.json()["full_name"] == "Ann over TLS"
            assert (await client.post("/auth/logout", headers=headers)).status_code == 204
    # The data service refuses plain HTTP, and TLS without a client certificate.
    async with httpx.AsyncClient(timeout=5) as plain:
        with pytest.raises(httpx.TransportError):
            await plain.get(tls_data.url.replace("https", "http") + "/health")
    async with httpx.AsyncClient(timeout=5, verify=ssl.create_default_context(cafile=paths.ca)) as anonymous:
        with pytest.raises((httpx.TransportError, ssl.SSLError)):
            await anonymous.get(tls_data.url + "/health")


@pytest.mark.parametrize("wrong", ["ca", "no client certificate"])
async def test_a_wrong_ca_or_missing_client_certificate_is_a_quick_clear_503(
    tls_data: LiveService, database: str, certificates: tuple[Certificates, ServerTls], wrong: str
) -> None:
    paths, _ = certificates
    if wrong == "ca":
        env = {"DATA_CA_FILE": str(paths.other_ca), "DATA_CLIENT_CERT_FILE": str(paths.client)}
    else:
        env = {"DATA_CA_FILE": str(paths.ca)}
    with business_service(tls_data.url, ready_path="/health", **env) as business:
        # The client's timeout is the "no hang" bound: a hang raises ReadTimeout here.
        async with httpx.AsyncClient(base_url=business.url, timeout=NO_HANG) as client:
            ready = await client.get("/ready")
            assert_problem(ready, 503)
            assert ready.json()["checks"]["data_service"] is False
            refused = await client.post("/auth/register", json=user_body("ben"))
            assert_problem(refused, 503)
            if wrong == "ca":
                assert "TLS handshake with the data service failed" in refused.json()["detail"]
    if wrong == "ca":
        assert "TLS to the data service failed" in business.log.read_text()


def test_an_unreadable_ca_file_stops_the_start_saying_which(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-ca.pem"
    with (
        pytest.raises(RuntimeError, match=r"DATA_CA_FILE=.*no-such-ca.pem.* cannot be used"),
        business_service("https://127.0.0.1:1", ready_path="/health", DATA_CA_FILE=str(missing)),
    ):
        pass
