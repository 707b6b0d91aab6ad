from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ReplayRequest")


@_attrs_define
class ReplayRequest:
    """
    Attributes:
        queue (str): The consumer's queue that receives the copies; it must exist (404 otherwise).
        after_event_id (UUID | Unset): Only events published after this one; to continue, the previous answer's
            `last_event_id`.
        since (datetime.datetime | Unset): Only events that occurred at or after this time; without it, from the
            retention horizon.
        until (datetime.datetime | Unset): Only events that occurred before this time.
        user_id (int | Unset):
        limit (int | Unset): At most this many events in this call. Default: 100.
    """

    queue: str
    after_event_id: UUID | Unset = UNSET
    since: datetime.datetime | Unset = UNSET
    until: datetime.datetime | Unset = UNSET
    user_id: int | Unset = UNSET
    limit: int | Unset = 100

    def to_dict(self) -> dict[str, Any]:
        queue = self.queue

        after_event_id: str | Unset = UNSET
        if not isinstance(self.after_event_id, Unset):
            after_event_id = str(self.after_event_id)

        since: str | Unset = UNSET
        if not isinstance(self.since, Unset):
            since = self.since.isoformat()

        until: str | Unset = UNSET
        if not isinstance(self.until, Unset):
            until = self.until.isoformat()

        user_id = self.user_id

        limit = self.limit

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "queue": queue,
            }
        )
        if after_event_id is not UNSET:
            field_dict["after_event_id"] = after_event_id
        if since is not UNSET:
            field_dict["since"] = since
        if until is not UNSET:
            field_dict["until"] = until
        if user_id is not UNSET:
            field_dict["user_id"] = user_id
        if limit is not UNSET:
            field_dict["limit"] = limit

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        queue = d.pop("queue")

        _after_event_id = d.pop("after_event_id", UNSET)
        after_event_id: UUID | Unset
        if isinstance(_after_event_id, Unset):
            after_event_id = UNSET
        else:
            after_event_id = UUID(_after_event_id)

        _since = d.pop("since", UNSET)
        since: datetime.datetime | Unset
        if isinstance(_since, Unset):
            since = UNSET
        else:
            since = datetime.datetime.fromisoformat(_since)

        _until = d.pop("until", UNSET)
        until: datetime.datetime | Unset
        if isinstance(_until, Unset):
            until = UNSET
        else:
            until = datetime.datetime.fromisoformat(_until)

        user_id = d.pop("user_id", UNSET)

        limit = d.pop("limit", UNSET)

        replay_request = cls(
            queue=queue,
            after_event_id=after_event_id,
            since=since,
            until=until,
            user_id=user_id,
            limit=limit,
        )

        return replay_request
