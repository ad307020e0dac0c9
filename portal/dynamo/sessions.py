"""sessions table: Django sessions (PK SESSION#{key}) and short-lived counters such as login
throttles (PK THROTTLE#...), all expiring through the expiresAt TTL attribute."""
from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute

from .base import BaseModel, TTLAttribute_, utcnow

TABLE = "sessions"


class SessionItem(BaseModel):
    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    data = UnicodeAttribute()
    expiresAt = TTLAttribute_()

    @staticmethod
    def key_for(session_key: str) -> str:
        return f"SESSION#{session_key}"

    def is_expired(self) -> bool:
        return self.expiresAt <= utcnow()


class EphemeralCounter(BaseModel):
    """Failed logins per e-mail/IP, rate-limit windows: small, hot and disposable."""

    table_basename = TABLE

    class Meta:
        pass

    pk = UnicodeAttribute(hash_key=True)
    events = ListAttribute(of=NumberAttribute, default=list)  # epoch seconds
    expiresAt = TTLAttribute_()
