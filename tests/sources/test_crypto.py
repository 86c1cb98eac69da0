"""Stripe keys at rest: encrypted, never the plaintext; rotation keeps them readable under the new key alone."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from reporting import crypto
from reporting.models import StripeSource
from tests.factories import AccountFactory

SECRET = "rk_test_" + "A1b2C3d4" * 4


def test_the_key_is_stored_encrypted_and_opens_with_the_setting(settings: Any) -> None:
    token = crypto.encrypt(SECRET)
    assert SECRET not in token
    assert crypto.decrypt(token) == SECRET
    settings.SECRET_KEY = "another-secret"
    with pytest.raises(crypto.UndecryptableSecret, match="cannot be decrypted"):
        crypto.decrypt(token)


@pytest.mark.django_db
def test_rotation_re_encrypts_under_the_new_key_so_the_old_one_can_go(settings: Any) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    source = StripeSource.objects.create(account=AccountFactory(), encrypted_key=crypto.encrypt(SECRET), key_hint="x")
    settings.ENCRYPTION_KEYS = [new, old]
    out = StringIO()
    call_command("rotate_encryption", stdout=out)
    assert "Re-encrypted 1" in out.getvalue()
    settings.ENCRYPTION_KEYS = [new]
    source.refresh_from_db()
    assert crypto.decrypt(source.encrypted_key) == SECRET


def test_secret_key_fallbacks_decrypt_while_django_s_secret_rotates(settings: Any) -> None:
    token = crypto.encrypt(SECRET)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "the-new-secret"
    assert crypto.decrypt(token) == SECRET
    assert crypto.decrypt(crypto.rotate(token)) == SECRET
