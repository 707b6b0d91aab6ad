"""The journeys phase's verdict: a loss of any kind is named, and nothing lost only when none is."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tools.bench import losses
from tools.bench.journeys import Event, EventTap, Journeys, expected_statuses, updated_name

NAMES = {"journey00000": 7, "journey00001": 8}


def _journeys(statuses: Counter[tuple[str, int]]) -> Journeys:
    latencies = {step: [0.01] * n for (step, _), n in statuses.items()}
    return Journeys(statuses=statuses, created=dict(NAMES), latencies=latencies, seconds=2.0)


def _stored() -> dict[str, dict[str, Any] | None]:
    return {name: {"id": user_id, "full_name": updated_name(name)} for name, user_id in NAMES.items()}


def _tap(*events: Event) -> EventTap:
    tap = EventTap("amqp://unused", "unused")
    tap.events.extend(events)
    return tap


def _event(message_id: str, kind: str, user_id: int) -> Event:
    return Event(message_id, f"user.{kind}", {"user": {"id": user_id}})


EVERY_EVENT = (
    _event("a", "created", 7),
    _event("b", "created", 8),
    _event("c", "updated", 7),
    _event("d", "updated", 8),
)


def test_nothing_lost_when_every_answer_user_and_event_is_there() -> None:
    section = losses.summarise(
        _journeys(expected_statuses(2)), _stored(), _tap(*EVERY_EVENT), count=2, concurrency=2
    )

    assert section["failures"] == []
    assert section["nothing_lost"] is True
    assert section["users_read_back"] == section["users_created"] == 2
    assert section["events"] == {"user.created": 2, "user.updated": 2, "received": 4, "duplicates": 0}
    assert section["steps"]["read"]["statuses"] == {"200": 4}
    assert losses.render(section).endswith("Verdict: nothing lost")


def test_every_kind_of_loss_is_named() -> None:
    statuses = expected_statuses(2) - Counter({("read", 200): 1}) + Counter({("read", 502): 1})
    stored = {**_stored(), "journey00001": {"id": 8, "full_name": "stale"}}
    tap = _tap(EVERY_EVENT[0], EVERY_EVENT[0], EVERY_EVENT[2], EVERY_EVENT[3])

    section = losses.summarise(_journeys(statuses), stored, tap, count=2, concurrency=2)

    assert section["failures"] == [
        "1 answers were 5xx",
        "not every journey completed: login 200: 2, read 200: 3, read 502: 1, register 201: 2, update 200: 2",
        "1 of the 2 users created are not readable with their update",
        "1 user.created events for 2 users created",
        "1 messages arrived twice (same message_id)",
    ]
    assert section["nothing_lost"] is False
    assert "Verdict: LOST DATA: 1 answers were 5xx; " in losses.render(section)
