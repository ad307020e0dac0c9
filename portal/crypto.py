"""Field encryption for secrets at rest (destination signing secrets). Fernet keys come from
settings.FIELD_ENCRYPTION_KEYS, newest first: the newest encrypts, every listed key decrypts,
so a key is rotated by prepending a new one and re-encrypting with `field_reencrypt`."""
from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionFailed(Exception):
    """No configured key can read this value (a key was removed too early)."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise RuntimeError("FIELD_ENCRYPTION_KEYS is empty")
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def field_encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode()).decode()


def field_decrypt(token: str) -> str:
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionFailed("This value was encrypted with a key that is no longer configured.") from error


def field_is_current(token: str) -> bool:
    """Whether the newest key alone reads this value (nothing to re-encrypt)."""
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    try:
        _fernet(keys[:1]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def field_reencrypt(token: str) -> str:
    """The same plaintext under the newest key (for key rotation)."""
    try:
        return _current().rotate(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionFailed("This value was encrypted with a key that is no longer configured.") from error
