"""The broker objects the events contract declares: the exchange, the consumers' queues and
their bindings. Both sides declare them (declaring is idempotent): the publisher when it
connects, so events wait in a queue before its first consumer ever runs, and each consumer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange
from pamqp.common import FieldTable

ArgumentValue = str | int | bool


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """A queue as the contract declares it, for the contract's exchange `contract_exchange`.

    A queue's name is `<exchange>.<consumer>`: a deployment (or a test) on another exchange
    gets queues of its own, `name_for(exchange)`, and so do the arguments that name a queue
    (the dead-letter routing key).
    """

    name: str
    contract_exchange: str
    routing_keys: tuple[str, ...]
    arguments: Mapping[str, ArgumentValue]
    dead_letter_queue: str | None = None

    def _rename(self, value: str, exchange: str) -> str:
        prefix = f"{self.contract_exchange}."
        return f"{exchange}.{value.removeprefix(prefix)}" if value.startswith(prefix) else value

    def name_for(self, exchange: str) -> str:
        return self._rename(self.name, exchange)

    def arguments_for(self, exchange: str) -> FieldTable:
        return {
            key: self._rename(value, exchange) if isinstance(value, str) else value
            for key, value in self.arguments.items()
        }

    def dead_letter_queue_for(self, exchange: str) -> str | None:
        return None if self.dead_letter_queue is None else self._rename(self.dead_letter_queue, exchange)


async def declare_topology(
    channel: AbstractChannel, *, exchange: str, queues: Iterable[QueueSpec]
) -> AbstractExchange:
    """Declare the durable topic exchange and `queues` bound to it; return the exchange.

    `queues` come in the contract's order, dead-letter queues before the queues that
    dead-letter into them. Declaring a queue that exists with other arguments fails
    (PRECONDITION_FAILED): a changed queue needs a new major version of the contract.
    """
    declared = await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC, durable=True)
    for spec in queues:
        queue = await channel.declare_queue(
            spec.name_for(exchange), durable=True, arguments=spec.arguments_for(exchange)
        )
        for routing_key in spec.routing_keys:
            await queue.bind(declared, routing_key=routing_key)
    return declared


async def delete_topology(channel: AbstractChannel, *, exchange: str, queues: Iterable[QueueSpec]) -> None:
    """Delete `queues` and the exchange, with whatever they hold: for throwaway exchanges
    (tests, benchmarks), never for a deployment's."""
    for spec in queues:
        await channel.queue_delete(spec.name_for(exchange))
    await channel.exchange_delete(exchange)
