"""What the consumer runtime raises."""

from __future__ import annotations


class ConsumerError(Exception):
    """Base of the consumer runtime's errors."""


class NotStartedError(ConsumerError):
    """The consumer was used before `start()` (or after `stop()`)."""


class UnknownQueueError(ConsumerError):
    """A queue the events contract does not declare."""
