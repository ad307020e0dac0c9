"""Items that expire, all in the sessions table: Django sessions (PK SESSION#{sha256(key)}), login
throttles, ingest rate windows and idempotency guards, each removed by the expiresAt TTL."""
import hashlib

from botocore.exceptions import ClientError
from pynamodb.attributes import (
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)

from pynamodb.exceptions import DeleteError, UpdateError

from portal.dynamo.base import BaseModel, is_condition_failure, utcnow

TABLE = "sessions"


def _conditional_write(write, **request) -> bool:
    """One conditional write (put_item / update_item of the low-level client): False when
    its condition failed and nothing was written."""
    try:
        write(**request)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


class SessionItem(BaseModel):
    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    data = UnicodeAttribute()
    expiresAt = TTLAttribute()

    PREFIX = "SESSION#"

    @classmethod
    def key_for(cls, session_key: str) -> str:
        """The item's key is a hash of the session key: the cookie alone opens the session, and
        a copy of the table (a backup, a console export) holds no cookie that would. Session
        keys are random (Django: 32 characters of [a-z0-9], ~165 bits), so a plain SHA-256
        suffices. Items stored under the raw key by earlier releases are never found again
        (their users sign in once more) and expire through their TTL."""
        return cls.PREFIX + hashlib.sha256(session_key.encode()).hexdigest()

    @classmethod
    def expired_items(cls, now):
        """Sessions past their expiry that TTL has not removed yet. A scan: fine for the
        occasional clearsessions command (on AWS the TTL does this work anyway)."""
        return cls.scan(cls.pk.startswith(cls.PREFIX) & (cls.expiresAt <= now))

    def is_expired(self) -> bool:
        return self.expiresAt <= utcnow()


class EphemeralCounter(BaseModel):
    """Throttles (failed logins per e-mail/IP, signups and resets per address): a count of hits
    in a fixed window, checked and counted in one conditional write so parallel requests can
    never exceed the limit. Small, hot and disposable."""

    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    windowStart = NumberAttribute(null=True)  # epoch seconds
    hits = NumberAttribute(null=True)
    expiresAt = TTLAttribute()

    @staticmethod
    def throttle_key_for(scope: str, subject: str) -> str:
        return f"THROTTLE#{scope}#{subject}"

    @classmethod
    def take(cls, key: str, *, window_start: int, limit: int, expires) -> bool:
        """Count one hit in the window starting at window_start unless `limit` hits are there
        already; False (and nothing written) when the window is full."""
        item = cls(pk=key)
        for _ in range(2):  # a racing request may open the window between our two writes
            try:
                item.update(actions=[cls.hits.add(1), cls.expiresAt.set(expires)],
                            condition=(cls.windowStart == window_start) & (cls.hits < limit))
                return True
            except UpdateError as error:
                if not is_condition_failure(error):
                    raise
            try:
                item.update(actions=[cls.windowStart.set(window_start), cls.hits.set(1), cls.expiresAt.set(expires)],
                            condition=cls.pk.does_not_exist() | cls.windowStart.does_not_exist()
                            | (cls.windowStart < window_start))
                return limit > 0
            except UpdateError as error:
                if not is_condition_failure(error):
                    raise
        return False

    @classmethod
    def give_back(cls, key: str, *, window_start: int) -> None:
        """Undo one hit of this window (a reserved attempt that turned out fine)."""
        try:
            cls(pk=key).update(actions=[cls.hits.add(-1)],
                               condition=(cls.windowStart == window_start) & (cls.hits > 0))
        except UpdateError as error:
            if not is_condition_failure(error):
                raise

    @classmethod
    def count(cls, key: str, *, window_start: int) -> int:
        try:
            item = cls.get(key, consistent_read=True)
        except cls.DoesNotExist:
            return 0
        return int(item.hits or 0) if item.windowStart == window_start else 0


class IngestGuards:
    """Ingest's short-lived items on this table, written and read at the low level because
    they join the ingest transaction (idempotency) or need ADD with a returned value (rate
    windows). Both expire through expiresAt."""

    @staticmethod
    def idempotency_key_for(tenant_id: str, key_digest: str) -> str:
        return f"IDEMPOTENCY#{tenant_id}#{key_digest}"

    @staticmethod
    def rate_key_for(subject: str, window_start: int) -> str:
        return f"RATE#{subject}#{window_start}"

    @staticmethod
    def _client():
        return SessionItem._get_connection().connection.client

    @classmethod
    def idempotency_put_action(cls, *, tenant_id: str, key_digest: str, submission_id: str,
                               now_epoch: int, expires_epoch: int, fingerprint: str, shard: int | None = None,
                               taking_over: str | None = None) -> dict:
        """A Put that claims the key; a live claim by an earlier request fails the condition (an
        expired one that TTL has not removed yet does not). Ingest puts it in its transaction.
        `taking_over` (a submission id) also replaces a live claim of that id with the same
        fingerprint: a claim whose submission is not stored (left by a request of the release
        that claimed before its transaction, or its submission deleted since), compared and
        swapped so that of two requests taking it over only one can."""
        item = {"pk": {"S": cls.idempotency_key_for(tenant_id, key_digest)},
                "submissionId": {"S": submission_id}, "fingerprint": {"S": fingerprint},
                "expiresAt": {"N": str(expires_epoch)}}
        if shard is not None:
            item["shard"] = {"N": str(int(shard))}
        condition, values = "attribute_not_exists(pk) OR expiresAt < :now", {":now": {"N": str(now_epoch)}}
        if taking_over is not None:
            condition += " OR (submissionId = :seen AND fingerprint = :fp)"
            values.update({":seen": {"S": taking_over}, ":fp": {"S": fingerprint}})
        return {"Put": {
            "TableName": SessionItem.Meta.table_name,
            "Item": item,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }}

    @classmethod
    def idempotency_lookup(cls, *, tenant_id: str, key_digest: str,
                           now_epoch: int) -> tuple[str, str, int | None] | None:
        """(submission id, request fingerprint, write shard) of a live claim, or None. Claims
        written inside the ingest transaction (before the claim went first) carry no shard."""
        raw = cls._client().get_item(
            TableName=SessionItem.Meta.table_name, ConsistentRead=True,
            Key={"pk": {"S": cls.idempotency_key_for(tenant_id, key_digest)}},
        ).get("Item")
        if not raw or int(raw["expiresAt"]["N"]) < now_epoch:
            return None
        shard = int(raw["shard"]["N"]) if "shard" in raw else None
        return raw["submissionId"]["S"], raw.get("fingerprint", {}).get("S", ""), shard

    @staticmethod
    def day_forms_key_for(tenant_id: str, site_id: str, day: str) -> str:
        return f"FORMS#{tenant_id}#{site_id}#{day}"

    @classmethod
    def day_form_register(cls, *, tenant_id: str, site_id: str, day: str, form_id: str, limit: int,
                          expires_epoch: int) -> bool:
        """Add form_id to the site's set of forms of the day unless the set already holds
        `limit` others (so the item stays under limit x 100 characters). True when it is in."""
        return _conditional_write(
            cls._client().update_item,
            TableName=SessionItem.Meta.table_name,
            Key={"pk": {"S": cls.day_forms_key_for(tenant_id, site_id, day)}},
            UpdateExpression="ADD forms :set SET expiresAt = :exp",
            ConditionExpression="attribute_not_exists(forms) OR contains(forms, :f) OR size(forms) < :limit",
            ExpressionAttributeValues={":set": {"SS": [form_id]}, ":f": {"S": form_id},
                                       ":limit": {"N": str(limit)}, ":exp": {"N": str(expires_epoch)}},
        )

    @staticmethod
    def day_pages_key_for(tenant_id: str, site_id: str, day: str) -> str:
        return f"PAGES#{tenant_id}#{site_id}#{day}"

    @classmethod
    def day_page_register(cls, *, tenant_id: str, site_id: str, day: str, page: str, limit: int,
                          expires_epoch: int) -> bool:
        """The same bounded set for a site's pages of the day (the report's "pages that brought
        them"): True when `page` is in it."""
        return _conditional_write(
            cls._client().update_item,
            TableName=SessionItem.Meta.table_name,
            Key={"pk": {"S": cls.day_pages_key_for(tenant_id, site_id, day)}},
            UpdateExpression="ADD pages :set SET expiresAt = :exp",
            ConditionExpression="attribute_not_exists(pages) OR contains(pages, :p) OR size(pages) < :limit",
            ExpressionAttributeValues={":set": {"SS": [page]}, ":p": {"S": page},
                                       ":limit": {"N": str(limit)}, ":exp": {"N": str(expires_epoch)}},
        )

    @staticmethod
    def spam_key_for(tenant_id: str, site_id: str, day: str) -> str:
        return f"SPAM#{tenant_id}#{site_id}#{day}"

    @staticmethod
    def browser_day_key_for(site_id: str, day: str) -> str:
        return f"BROWSER#{site_id}#{day}"

    @classmethod
    def capped_hit(cls, *, key: str, limit: int, expires_epoch: int) -> bool:
        """Count one event on a counter that stops at `limit`; False (nothing counted) once there."""
        return _conditional_write(
            cls._client().update_item,
            TableName=SessionItem.Meta.table_name, Key={"pk": {"S": key}},
            UpdateExpression="ADD hits :one SET expiresAt = :exp",
            ConditionExpression="attribute_not_exists(hits) OR hits < :limit",
            ExpressionAttributeValues={":one": {"N": "1"}, ":limit": {"N": str(limit)},
                                       ":exp": {"N": str(expires_epoch)}},
        )

    @classmethod
    def rate_window_hit(cls, *, subject: str, window_start: int, expires_epoch: int, amount: int = 1) -> int:
        """Count `amount` requests (one, or a reservation of several) in a fixed window shared by
        every web process; returns the window's count including them."""
        answer = cls._client().update_item(
            TableName=SessionItem.Meta.table_name,
            Key={"pk": {"S": cls.rate_key_for(subject, window_start)}},
            UpdateExpression="ADD hits :one SET expiresAt = :exp",
            ExpressionAttributeValues={":one": {"N": str(int(amount))}, ":exp": {"N": str(expires_epoch)}},
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"]["hits"]["N"])


class OnceMarkers:
    """Markers that something happened once in a period (a cost alert per tenant and month):
    a conditional put, so however many processes look, one wins. They expire after the
    period (expiresAt TTL)."""

    @staticmethod
    def cost_alert_key_for(tenant_id: str, month: str) -> str:
        return f"COSTALERT#{tenant_id}#{month}"

    @staticmethod
    def throttle_key_for(scope: str, subject: str, window_start: int) -> str:
        return f"ONCE#{scope}#{subject}#{window_start}"

    @staticmethod
    def claim(*, key: str, expires_epoch: int) -> bool:
        """True for the first caller only (the marker is written); False when it exists."""
        return _conditional_write(
            SessionItem._get_connection().connection.client.put_item,
            TableName=SessionItem.Meta.table_name,
            Item={"pk": {"S": key}, "expiresAt": {"N": str(int(expires_epoch))}},
            ConditionExpression="attribute_not_exists(pk)",
        )

    @staticmethod
    def exists(*, key: str) -> bool:
        raw = SessionItem._get_connection().connection.client.get_item(
            TableName=SessionItem.Meta.table_name, Key={"pk": {"S": key}}, ConsistentRead=True)
        return "Item" in raw


class ReportMark(BaseModel):
    """A monthly client report's sending, one item per tenant, report and month
    (PK REPORT#{tenant}#{report}#{month}): the conditional write that claims it is what makes
    the worker send each report once. `state` is "claimed" while a worker sends it (until
    `leaseUntil`, after which another worker may take it over) and "sent" after. Kept for
    400 days (TTL), long after the month's sending window."""

    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    state = UnicodeAttribute(null=True)
    leaseUntil = NumberAttribute(null=True)  # epoch seconds
    sentAt = NumberAttribute(null=True)  # epoch seconds
    recipients = NumberAttribute(null=True)
    expiresAt = TTLAttribute()

    CLAIMED, SENT = "claimed", "sent"

    @staticmethod
    def key_for(tenant_id: str, report_key: str, month: str) -> str:
        return f"REPORT#{tenant_id}#{report_key}#{month}"

    @classmethod
    def claim(cls, *, tenant_id: str, report_key: str, month: str, now_epoch: int, lease_seconds: int,
              expires) -> bool:
        """Take the month's sending of this report: True unless it was sent, or another worker
        holds a live claim."""
        item = cls(pk=cls.key_for(tenant_id, report_key, month))
        try:
            item.update(actions=[cls.state.set(cls.CLAIMED), cls.leaseUntil.set(now_epoch + lease_seconds),
                                 cls.expiresAt.set(expires)],
                        condition=cls.pk.does_not_exist()
                        | ((cls.state == cls.CLAIMED) & (cls.leaseUntil < now_epoch)))
        except UpdateError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    @classmethod
    def mark_sent(cls, *, tenant_id: str, report_key: str, month: str, now_epoch: int, recipients: int) -> None:
        cls(pk=cls.key_for(tenant_id, report_key, month)).update(actions=[
            cls.state.set(cls.SENT), cls.sentAt.set(now_epoch), cls.recipients.set(recipients),
            cls.leaseUntil.remove()])

    @classmethod
    def release(cls, *, tenant_id: str, report_key: str, month: str) -> None:
        """A sending that failed: the next pass may claim it again."""
        try:
            cls(pk=cls.key_for(tenant_id, report_key, month)).delete(condition=cls.state == cls.CLAIMED)
        except DeleteError as error:
            if not is_condition_failure(error):
                raise

    @classmethod
    def sent_at(cls, *, tenant_id: str, report_key: str, month: str) -> int | None:
        """When the month's report was sent (epoch seconds), or None."""
        try:
            item = cls.get(cls.key_for(tenant_id, report_key, month))
        except cls.DoesNotExist:
            return None
        return int(item.sentAt) if item.state == cls.SENT and item.sentAt else None
