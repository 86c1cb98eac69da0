"""Secrets the service must use again later (a Stripe key), encrypted at rest with Fernet.

ENCRYPTION_KEYS lists Fernet keys, newest first: the first encrypts, every one
decrypts, so a key is rotated by putting a new one first, running
`manage.py rotate_encryption`, then dropping the old one. Without the setting,
one key is derived from SECRET_KEY (and one from each SECRET_KEY_FALLBACKS
entry), so Django's own rotation of the secret key works the same way.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class UndecryptableSecret(Exception):
    """A stored secret that none of the configured keys opens."""

    def __init__(self) -> None:
        super().__init__(
            "The stored key cannot be decrypted with ENCRYPTION_KEYS (or SECRET_KEY): "
            "was the encryption key changed without rotating? Connect the source again."
        )


def _derived(secret: str) -> Fernet:
    digest = hashlib.sha256(f"reporting.crypto:{secret}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _fernet() -> MultiFernet:
    keys = list(settings.ENCRYPTION_KEYS)
    if keys:
        return MultiFernet([Fernet(key) for key in keys])
    return MultiFernet([_derived(s) for s in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise UndecryptableSecret() from None


def rotate(token: str) -> str:
    """The same secret encrypted with the current first key."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise UndecryptableSecret() from None
