"""From wrk samples to the table: medians over rounds, ratios against the targets, JSON.

Each number in the table is the median over the rounds of one (case, connections) pair;
each ratio divides two medians of the table, so it can be checked by hand.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tools.bench.load import Sample

TARGET_CONNECTIONS = 32


@dataclass(frozen=True, slots=True)
class Case:
    key: str
    title: str
    server: str
    mode: str  # the wrk.lua mode
    auth: str | None = None  # "service" or "admin": a bearer token sent on every request


@dataclass(frozen=True, slots=True)
class Target:
    title: str
    numerator: str
    denominator: str
    minimum: float
    anchor: str


TARGETS = (
    Target(
        "data GET by id / bare", "data_get", "bare", 0.20, "0.15 with SQLAlchemy ORM session.get + asyncpg"
    ),
    Target(
        "business GET, cache miss / data GET by id",
        "business_miss",
        "data_get",
        0.75,
        "0.26 with httpx's default pool, 0.81 with the httpx-aiohttp transport",
    ),
    Target(
        "business GET, cache miss, read gathering off / data GET by id",
        "business_miss_single",
        "data_get",
        0.75,
        "one data call per read, as before the gathering: 0.61-0.72",
    ),
    Target(
        "business GET, cache hit / bare",
        "business_hit",
        "bare",
        0.45,
        "0.44 with redis.asyncio + orjson + Pydantic, JWT verified",
    ),
    Target(
        "business GET, cache hit, near cache off / bare",
        "business_hit_redis",
        "bare",
        0.45,
        "every hit read from Redis (one GET each before the gathering: 0.32-0.36)",
    ),
    Target(
        "business GET, cache hit, near cache off, read gathering off / bare",
        "business_hit_redis_single",
        "bare",
        0.45,
        "one Redis GET per hit: 0.32-0.36",
    ),
    Target(
        "business GET, cache miss / seeds' pattern",
        "business_miss",
        "seeds",
        25.0,
        "the seeds' new client per request runs at 0.004 of bare",
    ),
)


# What tracing costs: each read with tracing off (the default) and on, sampling every request.
TRACED = (
    ("cache hit", "business_hit", "business_hit_traced"),
    ("cache miss", "business_miss", "business_miss_traced"),
)


@dataclass(frozen=True, slots=True)
class Summary:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    samples: tuple[Sample, ...]

    @classmethod
    def of(cls, samples: Sequence[Sample]) -> Summary:
        return cls(
            rps=statistics.median(s.rps for s in samples),
            p50_ms=statistics.median(s.p50_ms for s in samples),
            p99_ms=statistics.median(s.p99_ms for s in samples),
            errors=sum(s.socket_errors + s.status_errors for s in samples),
            samples=tuple(samples),
        )


Results = Mapping[str, Mapping[int, Sequence[Sample]]]  # case key -> connections -> one sample per round


def summarise(results: Results) -> dict[str, dict[int, Summary]]:
    return {key: {c: Summary.of(samples) for c, samples in by_c.items()} for key, by_c in results.items()}


def _ratio(summaries: Mapping[str, Mapping[int, Summary]], target: Target, connections: int) -> float | None:
    try:
        numerator = summaries[target.numerator][connections].rps
        denominator = summaries[target.denominator][connections].rps
    except KeyError:
        return None
    return numerator / denominator if denominator else None


def ratios(
    summaries: Mapping[str, Mapping[int, Summary]], connections: Sequence[int]
) -> list[dict[str, Any]]:
    rows = []
    for target in TARGETS:
        values = {c: _ratio(summaries, target, c) for c in connections}
        judged = values.get(TARGET_CONNECTIONS)
        rows.append(
            {
                "title": target.title,
                "numerator": target.numerator,
                "denominator": target.denominator,
                "values": {str(c): None if v is None else round(v, 3) for c, v in values.items()},
                "target": target.minimum,
                "judged_at_connections": TARGET_CONNECTIONS,
                "anchor": target.anchor,
                "met": judged is not None and judged >= target.minimum,
            }
        )
    return rows


def tracing_costs(
    summaries: Mapping[str, Mapping[int, Summary]], connections: Sequence[int]
) -> list[dict[str, Any]]:
    """Per read: req/s and p50 off and on, and on/off, at each concurrency (medians of one run)."""
    rows = []
    for title, off, on in TRACED:
        if off not in summaries or on not in summaries:
            continue
        values: dict[str, Any] = {}
        for c in connections:
            s_off, s_on = summaries[off][c], summaries[on][c]
            values[str(c)] = {
                "off_rps": round(s_off.rps, 1),
                "on_rps": round(s_on.rps, 1),
                "on_over_off": round(s_on.rps / s_off.rps, 3) if s_off.rps else None,
                "off_p50_ms": round(s_off.p50_ms, 3),
                "on_p50_ms": round(s_on.p50_ms, 3),
            }
        rows.append({"title": title, "off": off, "on": on, "values": values})
    return rows


def render_tracing(rows: Sequence[Mapping[str, Any]], *, connections: Sequence[int], spans: int) -> str:
    lines = [
        "Tracing: off (the default) and on, every request sampled, exported over OTLP/HTTP to a"
        f" local receiver ({spans:,} spans received):",
        "",
        "| read | "
        + " | ".join(f"c={c} off req/s | on req/s | on/off | p50 ms off / on" for c in connections)
        + " |",
        "|---|" + "---:|---:|---:|---:|" * len(connections),
    ]
    for row in rows:
        cells = []
        for c in connections:
            v = row["values"][str(c)]
            cells.append(
                f"{v['off_rps']:,.0f} | {v['on_rps']:,.0f} | {_times(v['on_over_off'])}"
                f" | {_ms(v['off_p50_ms'])} / {_ms(v['on_p50_ms'])}"
            )
        lines.append(f"| {row['title']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def _times(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _case_table(
    cases: Sequence[Case], summaries: Mapping[str, Mapping[int, Summary]], connections: Sequence[int]
) -> list[str]:
    header = "| case | " + " | ".join(f"c={c} req/s | p50 ms | p99 ms" for c in connections) + " |"
    lines = [header, "|---|" + "---:|" * (3 * len(connections))]
    for case in cases:
        cells = []
        for c in connections:
            s = summaries[case.key][c]
            cells.append(f"{s.rps:,.0f} | {_ms(s.p50_ms)} | {_ms(s.p99_ms)}")
        lines.append(f"| {case.title} | " + " | ".join(cells) + " |")
    return lines


def render(
    *,
    cases: Sequence[Case],
    login: Case,
    summaries: Mapping[str, Mapping[int, Summary]],
    ratio_rows: Sequence[Mapping[str, Any]],
    connections: Sequence[int],
    argon2: str,
) -> str:
    """The Markdown tables `make bench` prints and the README shows."""
    lines = _case_table(cases, summaries, connections)
    lines += ["", "| ratio of req/s | " + " | ".join(f"c={c}" for c in connections) + " | target | |"]
    lines.append("|---|" + "---:|" * len(connections) + "---:|---|")
    for row in ratio_rows:
        values = " | ".join(_times(row["values"][str(c)]) for c in connections)
        verdict = "met" if row["met"] else "**not met**"
        lines.append(
            f"| {row['title']} | {values} | >= {row['target']:g} at c={TARGET_CONNECTIONS} | {verdict} |"
        )
    lines += ["", f"Login, reported apart ({argon2}):", ""]
    lines += _case_table([login], summaries, connections)
    failed = [
        f"{case.title} at c={c}: {summaries[case.key][c].errors}"
        for case in (*cases, login)
        for c in connections
        if summaries[case.key][c].errors
    ]
    lines += ["", "Failed requests: " + ("; ".join(failed) if failed else "none")]
    return "\n".join(lines)


def render_profiles(profiles: Mapping[str, Mapping[str, Mapping[str, Any]]], *, connections: int) -> str:
    lines = [
        f"Where each server's time goes at c={connections}: CPU per request from /proc, and py-spy's samples"
        " by the package on top of the stack (stacks in reports/bench-profiles/):",
        "",
        "| case | process | CPU ms / request | share of samples |",
        "|---|---|---:|---|",
    ]
    for case, by_process in profiles.items():
        for process, found in by_process.items():
            cpu = found["cpu_ms_per_request"]
            lines.append(
                f"| {case} | {process} | {'-' if cpu is None else f'{cpu:.2f}'} | {found['packages']} |"
            )
    return "\n".join(lines)


def as_json(
    *,
    cases: Sequence[Case],
    summaries: Mapping[str, Mapping[int, Summary]],
    ratio_rows: Sequence[Mapping[str, Any]],
    settings: Mapping[str, Any],
    environment: Mapping[str, Any],
) -> dict[str, Any]:
    return {
        "settings": dict(settings),
        "environment": dict(environment),
        "cases": {
            case.key: {
                "title": case.title,
                **{
                    f"c{c}": {
                        "rps": round(s.rps, 1),
                        "p50_ms": round(s.p50_ms, 3),
                        "p99_ms": round(s.p99_ms, 3),
                        "errors": s.errors,
                        "rounds": [sample.as_dict() for sample in s.samples],
                    }
                    for c, s in summaries[case.key].items()
                },
            }
            for case in cases
        },
        "ratios": list(ratio_rows),
        "targets_met": all(row["met"] for row in ratio_rows),
    }
