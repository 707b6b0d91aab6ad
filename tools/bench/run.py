"""`make bench` (`python -m tools.bench`): every case under wrk, interleaved over rounds.

1. A database of its own on the machine's PostgreSQL, migrated, with USERS users seeded
   (one precomputed Argon2 hash for all) and one admin; dropped at the end.
2. Eight servers, each one uvicorn worker on uvloop and httptools with no access log: the
   data service, the business service (Redis cache with the near cache in front, the
   default), the same with the near cache off (NEAR_CACHE=false: every hit is read from
   Redis, the hits of concurrent requests in one MGET), that one with READ_GATHERING=false
   too (one Redis GET per hit), a business service with the user cache off
   (CACHE_TTL_SECONDS=0: every read goes to the data service, the reads of concurrent
   requests gathered into one call), the same with READ_GATHERING=false (one data call per
   read), the bare reference app and the seeds' new-client-per-request app.
3. The business cache is filled for every user, each case is warmed up at each
   concurrency, then ROUNDS rounds run every case at every concurrency in turn.
4. With --profile, py-spy then records each case's server once more (reports/bench-profiles/).
5. The journeys phase (tools/bench/losses.py): JOURNEYS concurrent journeys (register, log
   in, read, update, read) through a business service publishing to RabbitMQ, then checks
   that nothing was lost: no 5xx, every user readable with its update, one event each.
6. The tables and the journeys' summary are printed and written to reports/bench.json.
   The exit status is 1 when the journeys lost anything.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from business_service.cache import build_cache
from business_service.gateway import DataGateway, build_data_client
from business_service.security import hash_password, issue_token
from business_service.settings import BusinessSettings
from business_service.users import cache_user
from data_service.migrate import upgrade_to_head
from tools.bench import load, losses, profile, report, stack
from tools.bench.load import Sample
from tools.bench.otlp_sink import Sink, otlp_sink
from tools.bench.report import Case
from tools.uvicorn_server import Server, wait_ready

ROOT = Path(__file__).resolve().parents[2]
CACHE_TTL = 3600  # longer than a run: the cache-hit case must not see expiries
SEED_PASSWORD = "bench-password-1"  # noqa: S105 - the password of the seeded throwaway users
CASES = (
    Case("bare", "bare reference app", "bare", "id"),
    Case("data_get", "data GET /users/{id}, service token", "data", "id", auth="service"),
    Case("business_hit", "business GET /users/{id}, JWT, cache hit (near cache)", "business", "self"),
    Case(
        "business_hit_redis",
        "business GET /users/{id}, JWT, cache hit, near cache off (Redis)",
        "business_redis",
        "self",
    ),
    Case(
        "business_hit_redis_single",
        "business GET /users/{id}, JWT, cache hit, near cache off (Redis), read gathering off",
        "business_redis_single",
        "self",
    ),
    Case("business_miss", "business GET /users/{id}, JWT, cache miss", "business_uncached", "self"),
    Case(
        "business_miss_single",
        "business GET /users/{id}, JWT, cache miss, read gathering off",
        "business_uncached_single",
        "self",
    ),
    Case("business_page", "business GET /users?limit=50, admin JWT", "business", "page", auth="admin"),
    Case("seeds", "seeds' pattern: new httpx.AsyncClient per request", "seeds", "self"),
    # The same two reads with tracing on in every process they cross, sampling every request
    # and exporting over OTLP/HTTP to a local receiver (tools/bench/otlp_sink.py).
    Case("business_hit_traced", "business GET /users/{id}, cache hit, traced", "business_traced", "self"),
    Case(
        "business_miss_traced",
        "business GET /users/{id}, cache miss, traced",
        "business_uncached_traced",
        "self",
    ),
)
LOGIN = Case("login", "business POST /auth/token", "business", "login")
# The processes --profile records per case, when more than the case's own server.
PROFILED = {
    "business_miss": ("business_uncached", "data"),
    "business_miss_single": ("business_uncached_single", "data"),
    "business_miss_traced": ("business_uncached_traced", "data_traced"),
}


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=int(_env("BENCH_USERS", "10000")))
    parser.add_argument(
        "--duration",
        type=int,
        default=int(_env("BENCH_DURATION", "3")),
        help="whole seconds per measured run",
    )
    parser.add_argument(
        "--warmup", type=int, default=int(_env("BENCH_WARMUP", "1")), help="whole seconds per case, 0: none"
    )
    parser.add_argument("--rounds", type=int, default=int(_env("BENCH_ROUNDS", "3")))
    parser.add_argument(
        "--connections",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[int(part) for part in _env("BENCH_CONNECTIONS", "4,32").split(",")],
    )
    parser.add_argument(
        "--database-url",
        default=_env("BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"),
        help="a database on the PostgreSQL server where the bench creates (and drops) its own",
    )
    parser.add_argument("--redis-url", default=_env("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--output", type=Path, default=ROOT / "reports" / "bench.json")
    parser.add_argument(
        "--profile",
        action="store_true",
        default=_env("BENCH_PROFILE", "") == "1",
        help="after the rounds, record each case's server with py-spy (reports/bench-profiles/)",
    )
    parser.add_argument(
        "--journeys",
        type=int,
        default=int(_env("BENCH_JOURNEYS", "300")),
        help="journeys of the last phase (register, log in, read, update, read); 0: no such phase",
    )
    parser.add_argument(
        "--journey-concurrency", type=int, default=int(_env("BENCH_JOURNEY_CONCURRENCY", "32"))
    )
    parser.add_argument(
        "--rabbitmq-url",
        default=_env("BENCH_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/"),
        help="the broker of the journeys phase, which declares (and deletes) an exchange of its own",
    )
    return parser.parse_args(argv)


@dataclass(frozen=True, slots=True)
class Seeded:
    users: list[stack.SeededUser]
    hashed_password: str
    service_token: str
    jwt_secret: str
    users_file: Path  # `id username token` per ordinary user, for wrk.lua
    admin_token: str


def _seed(config: argparse.Namespace, database_url: str, folder: Path) -> Seeded:
    print(f"migrating and seeding {config.users} users...", flush=True)
    asyncio.run(upgrade_to_head(database_url))
    hashed = asyncio.run(hash_password(SEED_PASSWORD))
    users = asyncio.run(stack.seed_users(database_url, count=config.users, hashed_password=hashed))
    jwt_secret = secrets.token_urlsafe(32)

    def token(user: stack.SeededUser) -> str:
        return issue_token(
            user_id=user.id, role=user.role, secret=jwt_secret, algorithm="HS256", ttl_seconds=3600
        ).access_token

    users_file = folder / "users.txt"
    users_file.write_text(
        "".join(f"{user.id} {user.username} {token(user)}\n" for user in users if user.role == "user")
    )
    admin = next(user for user in users if user.role == "admin")
    return Seeded(users, hashed, secrets.token_urlsafe(24), jwt_secret, users_file, token(admin))


async def _fill_cache(*, data_url: str, seeded: Seeded, redis_url: str) -> None:
    """Cache every user as the business's cache misses do, reading them 100 a page from the data API."""
    settings = BusinessSettings(
        data_service_url=data_url, service_token=seeded.service_token, jwt_secret=seeded.jwt_secret
    )
    gateway = DataGateway(client=build_data_client(settings), retry_attempts=1)
    cache = build_cache(redis_url=redis_url)
    try:
        offset = 0
        while page := (await gateway.list_users(limit=100, offset=offset)).items:
            await asyncio.gather(
                *(cache_user(cache=cache, user=user, ttl_seconds=CACHE_TTL) for user in page)
            )
            offset += len(page)
    finally:
        await cache.aclose()
        await gateway.aclose()


async def _warm_near_cache(url: str, users: list[list[str]]) -> None:
    """Read every user once through the business service at `url`, as that user: its near
    cache then holds them all, as Redis does after `_fill_cache`. Without it, wrk's uniform
    picks among 10,000 users would measure the near cache filling, not serving."""
    gate = asyncio.Semaphore(32)
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:

        async def read(user_id: str, token: str) -> None:
            async with gate:
                response = await client.get(f"/users/{user_id}", headers={"Authorization": f"Bearer {token}"})
                response.raise_for_status()

        await asyncio.gather(*(read(user_id, token) for user_id, _, token in users))


def _business_env(config: argparse.Namespace, data_url: str, seeded: Seeded) -> dict[str, str]:
    return {
        "DATA_SERVICE_URL": data_url,
        "SERVICE_TOKEN": seeded.service_token,
        "JWT_SECRET": seeded.jwt_secret,
        "REDIS_URL": config.redis_url,
        "CACHE_TTL_SECONDS": str(CACHE_TTL),
        # wrk sends thousands of requests a second with one admin JWT, and the journeys
        # register from one address: the per-caller limit would answer them 429.
        "RATE_LIMIT_PER_MINUTE": "0",
    }


def _traced(env: dict[str, str], *, name: str, sink: Sink) -> dict[str, str]:
    """`env` with tracing on: every request sampled, exported over OTLP/HTTP to `sink`."""
    return {
        **env,
        "OTEL_SERVICE_NAME": f"bench-{name}",
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_ENDPOINT": sink.url,
        "OTEL_TRACES_SAMPLER": "always_on",
    }


@contextmanager
def _servers(
    config: argparse.Namespace, database_url: str, seeded: Seeded, sink: Sink
) -> Iterator[dict[str, Server]]:
    """The servers, ready, with the business cache filled; stopped (and the cache emptied) after:
    the five untraced ones, and a traced data service and the two traced business services."""
    print("starting the servers...", flush=True)
    logs = ROOT / "reports" / "logs"
    user_ids = [user.id for user in seeded.users]
    asyncio.run(stack.forget_cached_users(config.redis_url, user_ids))
    with ExitStack() as running:
        running.callback(lambda: asyncio.run(stack.forget_cached_users(config.redis_url, user_ids)))

        def serve(name: str, factory: str, env: dict[str, str]) -> Server:
            return running.enter_context(stack.serve(name, factory, env, logs=logs))

        data_env = {"DATABASE_URL": database_url, "SERVICE_TOKEN": seeded.service_token}
        data = serve("data", "data_service.app:create_app", data_env)
        business_env = _business_env(config, data.url, seeded)
        uncached_env = {**business_env, "CACHE_TTL_SECONDS": "0"}
        uncached_single_env = {**uncached_env, "READ_GATHERING": "false"}
        redis_only_env = {**business_env, "NEAR_CACHE": "false"}
        redis_only_single_env = {**redis_only_env, "READ_GATHERING": "false"}
        data_traced = serve(
            "data_traced", "data_service.app:create_app", _traced(data_env, name="data", sink=sink)
        )
        traced_env = _business_env(config, data_traced.url, seeded)
        traced_uncached_env = {**traced_env, "CACHE_TTL_SECONDS": "0"}
        started = [
            (data, "/ready"),
            (serve("business", "business_service.app:create_app", business_env), "/ready"),
            (serve("business_redis", "business_service.app:create_app", redis_only_env), "/ready"),
            (serve("business_uncached", "business_service.app:create_app", uncached_env), "/ready"),
            (
                serve("business_uncached_single", "business_service.app:create_app", uncached_single_env),
                "/ready",
            ),
            (
                serve("business_redis_single", "business_service.app:create_app", redis_only_single_env),
                "/ready",
            ),
            (serve("bare", "tools.bench.reference:create_bare_app", {}), "/users/1"),
            (serve("seeds", "tools.bench.reference:create_seeds_app", business_env), "/openapi.json"),
            (data_traced, "/ready"),
            (
                serve(
                    "business_traced",
                    "business_service.app:create_app",
                    _traced(traced_env, name="business", sink=sink),
                ),
                "/ready",
            ),
            (
                serve(
                    "business_uncached_traced",
                    "business_service.app:create_app",
                    _traced(traced_uncached_env, name="business-uncached", sink=sink),
                ),
                "/ready",
            ),
        ]
        for server, path in started:
            # Eleven servers import at once: on two busy cores the first one ready may take
            # longer than a lone server's minute.
            wait_ready(server, path, timeout=150)
        # A write the cache's short timeout gave up on (two busy cores) is skipped, as in the
        # service: fill again what is missing, a few times at most.
        for _ in range(3):
            asyncio.run(_fill_cache(data_url=data.url, seeded=seeded, redis_url=config.redis_url))
            cached = asyncio.run(stack.count_cached_users(config.redis_url, user_ids))
            if cached == len(user_ids):
                break
        else:
            raise RuntimeError(f"the business cache holds {cached} of the {len(user_ids)} users")
        users = [line.split() for line in seeded.users_file.read_text().splitlines()]
        for name in ("business", "business_traced"):  # the two with a near cache
            asyncio.run(_warm_near_cache(next(s.url for s, _ in started if s.name == name), users))
        yield {server.name: server for server, _ in started}


@dataclass(frozen=True, slots=True)
class Driver:
    """Runs one case against the running servers with wrk."""

    wrk: str
    servers: dict[str, Server]
    seeded: Seeded

    def run(self, case: Case, *, connections: int, seconds: int) -> Sample:
        tokens = {"service": self.seeded.service_token, "admin": self.seeded.admin_token}
        return load.run_wrk(
            self.wrk,
            url=self.servers[case.server].url,
            connections=connections,
            seconds=seconds,
            mode=case.mode,
            users_file=self.seeded.users_file,
            headers=[f"Authorization: Bearer {tokens[case.auth]}"] if case.auth else [],
            password=SEED_PASSWORD,
        )


def _measure(driver: Driver, config: argparse.Namespace) -> dict[str, dict[int, list[Sample]]]:
    cases = (*CASES, LOGIN)
    if config.warmup > 0:
        print(f"warming up: {len(cases)} cases x {len(config.connections)} concurrencies...", flush=True)
        for case in cases:
            for connections in config.connections:
                driver.run(case, connections=connections, seconds=config.warmup)
    results: dict[str, dict[int, list[Sample]]] = defaultdict(lambda: defaultdict(list))
    for number in range(1, config.rounds + 1):
        print(f"round {number} of {config.rounds}...", flush=True)
        for connections in config.connections:
            for case in cases:
                sample = driver.run(case, connections=connections, seconds=config.duration)
                results[case.key][connections].append(sample)
    return results


def _profile(driver: Driver, config: argparse.Namespace) -> dict[str, dict[str, dict[str, Any]]]:
    """py-spy on each case's server(s) during one more run at the highest concurrency."""
    spy = profile.py_spy()
    if spy is None:
        print("--profile needs py-spy (the dev group has it): skipped", file=sys.stderr)
        return {}
    folder = ROOT / "reports" / "bench-profiles"
    summaries: dict[str, dict[str, dict[str, Any]]] = {}
    for case in (*CASES, LOGIN):
        print(f"profiling {case.key}...", flush=True)
        names = PROFILED.get(case.key, (case.server,))
        pids = {name: driver.servers[name].process.pid for name in names}
        outputs = {name: folder / f"{case.key}-{name}.txt" for name in names}
        spies = [
            profile.start(spy, pid=pids[name], seconds=config.duration, output=outputs[name])
            for name in names
        ]
        cpu_before = {name: profile.cpu_seconds(pids[name]) for name in names}
        sample = driver.run(case, connections=max(config.connections), seconds=config.duration + 1)
        cpu_after = {name: profile.cpu_seconds(pids[name]) for name in names}
        for process in spies:
            process.wait()
        summaries[case.key] = {}
        for name in names:
            before, after = cpu_before[name], cpu_after[name]
            summaries[case.key][name] = {
                "cpu_ms_per_request": None
                if before is None or after is None or not sample.requests
                else round(1000 * (after - before) / sample.requests, 3),
                "packages": profile.summary(profile.by_package(outputs[name]))
                if outputs[name].exists()
                else "py-spy failed",
            }
    return summaries


def _argon2_parameters(hashed: str) -> str:
    """`$argon2id$v=19$m=19456,t=2,p=1$...` -> `Argon2id, m=19456 KiB, t=2, p=1`."""
    _, variant, _, parameters, *_ = hashed.split("$")
    memory, passes, lanes = (part.split("=")[1] for part in parameters.split(","))
    return f"{variant.capitalize()}, m={memory} KiB, t={passes}, p={lanes}: the service's own hasher"


def _report(
    config: argparse.Namespace,
    wrk: str,
    seeded: Seeded,
    results: dict[str, dict[int, list[Sample]]],
    *,
    profiles: dict[str, dict[str, dict[str, Any]]],
    journeys: dict[str, Any] | None,
    sink: Sink,
) -> dict[str, Any]:
    summaries = report.summarise(results)
    ratio_rows = report.ratios(summaries, config.connections)
    tracing_rows = report.tracing_costs(summaries, config.connections)
    argon2 = _argon2_parameters(seeded.hashed_password)
    print()
    print(
        report.render(
            cases=CASES,
            login=LOGIN,
            summaries=summaries,
            ratio_rows=ratio_rows,
            connections=config.connections,
            argon2=argon2,
        )
    )
    print()
    print(report.render_tracing(tracing_rows, connections=config.connections, spans=sink.spans))
    if profiles:
        print()
        print(report.render_profiles(profiles, connections=max(config.connections)))
    document = report.as_json(
        cases=(*CASES, LOGIN),
        summaries=summaries,
        ratio_rows=ratio_rows,
        settings={
            "users": config.users,
            "duration_seconds": config.duration,
            "warmup_seconds": config.warmup,
            "rounds": config.rounds,
            "connections": config.connections,
            "wrk_threads": 1,
            "server_workers": 1,
            "argon2": argon2,
        },
        environment={
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "cpus": os.cpu_count(),
            "load_average": [round(value, 2) for value in os.getloadavg()],
            "python": platform.python_version(),
            "wrk": load.wrk_version(wrk),
        },
    )
    document["tracing"] = {
        "rows": tracing_rows,
        "spans_received": sink.spans,
        "exports_received": sink.exports,
    }
    if profiles:
        document["profiles"] = profiles
    if journeys is not None:
        print()
        print(losses.render(journeys))
        document["journeys"] = journeys
    return document


def _journeys(config: argparse.Namespace, data: Server, seeded: Seeded) -> dict[str, Any] | None:
    if config.journeys <= 0:
        return None
    return asyncio.run(
        losses.run(
            count=config.journeys,
            concurrency=config.journey_concurrency,
            business_env=_business_env(config, data.url, seeded),
            rabbitmq_url=config.rabbitmq_url,
            redis_url=config.redis_url,
            admin_token=seeded.admin_token,
            first_id=max(user.id for user in seeded.users) + 1,
            logs=ROOT / "reports" / "logs",
        )
    )


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_args(argv)
    try:
        wrk = load.ensure_wrk()
    except load.WrkMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    if config.journeys > 0:
        try:
            losses.ensure_broker(config.rabbitmq_url)
        except losses.BrokerMissing as exc:
            print(exc, file=sys.stderr)
            return 2
    began = time.monotonic()
    database_url = asyncio.run(stack.create_database(config.database_url))
    try:
        with tempfile.TemporaryDirectory(prefix="bench-") as folder:
            seeded = _seed(config, database_url, Path(folder))
            # The sink outlives the servers: each exports what it still holds when it stops.
            with otlp_sink() as sink, _servers(config, database_url, seeded, sink) as servers:
                driver = Driver(wrk, servers, seeded)
                results = _measure(driver, config)
                profiles = _profile(driver, config) if config.profile else {}
                journeys = _journeys(config, servers["data"], seeded)
    finally:
        asyncio.run(stack.drop_database(config.database_url, database_url))
    document = _report(config, wrk, seeded, results, profiles=profiles, journeys=journeys, sink=sink)
    config.output.parent.mkdir(parents=True, exist_ok=True)
    config.output.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nwritten to {config.output} in {time.monotonic() - began:.0f} s")
    if journeys is not None and journeys["failures"]:
        failures = "; ".join(journeys["failures"])
        print(f"\nmake bench FAILED: the journeys lost data ({failures})", file=sys.stderr)
        return 1
    return 0
