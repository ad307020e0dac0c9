"""Cursor pagination over DynamoDB queries. A cursor is DynamoDB's LastEvaluatedKey (one per
shard when several partitions are merged), signed and bound to its audience (a tenant id, or
"staff") and to the list it came from, so it cannot be forged or replayed elsewhere."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from django.core import signing

T = TypeVar("T")
PAGE_SIZE = 25
_SALT = "formbridge.cursor"


class BadCursor(Exception):
    """The cursor was tampered with, expired, or belongs to another tenant or list."""


def cursor_encode(position: Any, *, audience: str, list_name: str) -> str:
    return signing.dumps({"p": position, "a": audience, "l": list_name}, salt=_SALT, compress=True)


def cursor_decode(cursor: str | None, *, audience: str, list_name: str, max_age: int = 24 * 3600) -> Any:
    if not cursor:
        return None
    try:
        data = signing.loads(cursor, salt=_SALT, max_age=max_age)
    except signing.BadSignature as error:
        raise BadCursor("This page link is invalid or has expired.") from error
    if data.get("a") != audience or data.get("l") != list_name:
        raise BadCursor("This page link is not valid here.")
    return data["p"]


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None = None
    has_previous: bool = False
    query_params: dict = field(default_factory=dict)  # the list's filters, kept across pages
    cursor_param: str = "cursor"  # a page showing several lists names each list's cursor

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def next_query(self) -> str:
        return urlencode({**self.query_params, self.cursor_param: self.next_cursor})

    @property
    def first_query(self) -> str:
        return urlencode(self.query_params)


def page_from_query(result_iterator, *, limit: int, audience: str, list_name: str, had_cursor: bool,
                    map_item=None) -> Page:
    """Take up to `limit` items from a PynamoDB ResultIterator created with `limit=` and
    `last_evaluated_key=`, and sign where the next page starts."""
    items = []
    for item in result_iterator:
        items.append(map_item(item) if map_item else item)
        if len(items) >= limit:
            break
    last_key = result_iterator.last_evaluated_key if len(items) >= limit else None
    # With a filter the iterator may stop on a full page exactly at the end: one extra
    # empty page is acceptable, a skipped item is not.
    next_cursor = cursor_encode(last_key, audience=audience, list_name=list_name) if last_key else None
    return Page(items=items, next_cursor=next_cursor, has_previous=had_cursor)


def query_page(query_fn, *, cursor: str | None, audience: str, list_name: str, limit: int = PAGE_SIZE,
               query_params: dict | None = None, map_item=None, cursor_param: str = "cursor") -> Page:
    """Run `query_fn(limit=..., last_evaluated_key=...)` (a PynamoDB query) for one page."""
    start = cursor_decode(cursor, audience=audience, list_name=list_name)
    iterator = query_fn(limit=limit, last_evaluated_key=start)
    page = page_from_query(iterator, limit=limit, audience=audience, list_name=list_name,
                           had_cursor=bool(cursor), map_item=map_item)
    page.query_params = {k: v for k, v in (query_params or {}).items() if v not in (None, "")}
    page.cursor_param = cursor_param
    return page

