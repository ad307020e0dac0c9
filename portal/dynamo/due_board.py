"""The delivery workers' lease board: one item in the sessions table (PK DUEBOARD) that says
which worker holds which due-queue shard until when, and which workers are alive. Workers
read it and write it back with a version check (a conditional PutItem), a few times per lease
period each: a handful of requests a minute per worker, against hundreds of deliveries.
Across tenants by design (it holds no tenant data); removed by TTL a day after the last
worker wrote it, and ephemeral like the rest of the sessions table."""
from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.attributes import TTLAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.exceptions import PutError

from portal.dynamo.base import BaseModel, JSONAttribute, is_condition_failure

TABLE = "sessions"
BOARD_KEY = "DUEBOARD"
KEEP = timedelta(days=1)


class DueBoard(BaseModel):
    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    # {"workers": {worker_id: until iso}, "shards": {"3": [worker_id, until iso]}}
    board = JSONAttribute(null=True)
    version = VersionAttribute()
    expiresAt = TTLAttribute(null=True)


def board_read() -> DueBoard:
    """The board as it is now (a strongly consistent GetItem); a new, empty one if none."""
    try:
        return DueBoard.get(BOARD_KEY, consistent_read=True)
    except DueBoard.DoesNotExist:
        return DueBoard(pk=BOARD_KEY, board={"workers": {}, "shards": {}})


def board_write(item: DueBoard, *, board: dict, now: datetime) -> bool:
    """Write `board` if nobody wrote the item since it was read; False if someone did."""
    item.board = board
    item.expiresAt = now + KEEP
    try:
        item.save()
    except PutError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def board_state(*, now: datetime) -> tuple[list[str], dict[int, str]]:
    """The live workers (sorted ids) and which of them holds each shard now, as the operators'
    metrics and the staff console show them (a strongly consistent GetItem)."""
    try:
        board = DueBoard.get(BOARD_KEY, consistent_read=True).board or {}
    except DueBoard.DoesNotExist:
        return [], {}
    workers = sorted(w for w, until in (board.get("workers") or {}).items() if datetime.fromisoformat(until) > now)
    holders = {int(s): owner for s, (owner, until) in (board.get("shards") or {}).items()
               if datetime.fromisoformat(until) > now}
    return workers, holders
