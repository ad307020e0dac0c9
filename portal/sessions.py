"""Django session engine on the DynamoDB `sessions` table (SESSION_ENGINE = "portal.sessions").
Items carry a TTL; an expired item is treated as absent even before DynamoDB deletes it."""
from __future__ import annotations

from datetime import timedelta

from django.contrib.sessions.backends.base import CreateError, SessionBase, UpdateError
from pynamodb.exceptions import PutError

from portal.dynamo.base import utcnow
from portal.dynamo.expiring import SessionItem


class SessionStore(SessionBase):
    def _get_item(self) -> SessionItem | None:
        if not self.session_key:
            return None
        try:
            item = SessionItem.get(SessionItem.key_for(self.session_key), consistent_read=True)
        except SessionItem.DoesNotExist:
            return None
        return None if item.is_expired() else item

    def load(self) -> dict:
        item = self._get_item()
        if item is None:
            self._session_key = None
            return {}
        return self.decode(item.data)

    def exists(self, session_key: str) -> bool:
        try:
            item = SessionItem.get(SessionItem.key_for(session_key), consistent_read=True)
        except SessionItem.DoesNotExist:
            return False
        return not item.is_expired()

    def create(self) -> None:
        while True:
            self._session_key = self._get_new_session_key()
            try:
                self.save(must_create=True)
            except CreateError:
                continue  # key collision: extremely unlikely, try another
            self.modified = True
            return

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()
        data = self._get_session(no_load=must_create)
        item = SessionItem(
            pk=SessionItem.key_for(self._get_or_create_session_key()),
            data=self.encode(data),
            expiresAt=utcnow() + timedelta(seconds=self.get_expiry_age()),
        )
        try:
            if must_create:
                item.save(condition=SessionItem.pk.does_not_exist())
            else:
                # Only overwrite a session that still exists: a deleted session stays deleted.
                item.save(condition=SessionItem.pk.exists())
        except PutError as error:
            if must_create:
                raise CreateError from error
            raise UpdateError from error

    def delete(self, session_key: str | None = None) -> None:
        key = session_key or self.session_key
        if key is None:
            return
        SessionItem(pk=SessionItem.key_for(key)).delete()

    @classmethod
    def clear_expired(cls) -> None:
        for item in SessionItem.expired_items(utcnow()):
            item.delete()
