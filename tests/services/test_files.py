"""services.download: the access check, the expiry and the audit event, whichever door serves the file."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from reporting import services
from reporting.models import Door, Event, FileLink, report_storage
from tests.factories import AccountFactory, FileFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(account):
    name = report_storage().save("acct/one.csv", ContentFile(b'"a","b"\n'))
    return FileFactory(account=account, livemode=False, storage_name=name, filename="one.csv")


def test_download_streams_the_file_and_records_who(account, stored):
    user = UserFactory()

    response = services.download(services.Caller(account, False, Door.DASHBOARD, user=user), stored, filename="x.csv")

    assert b"".join(response.streaming_content) == b'"a","b"\n'
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    event = Event.objects.get(action="file.downloaded")
    assert (event.object_id, event.actor, event.door) == (stored.id, user, "dashboard")


@pytest.mark.parametrize(("other_account", "livemode"), [(True, False), (False, True)])
def test_download_refuses_another_account_or_mode(account, stored, other_account, livemode):
    caller = services.Caller(AccountFactory() if other_account else account, livemode, Door.API)

    with pytest.raises(services.FileUnavailable) as raised:
        services.download(caller, stored)

    assert raised.value.expired is False
    assert not Event.objects.exists()


def test_download_refuses_an_expired_file_or_link(account, stored):
    caller = services.Caller(account, False, Door.API)
    link = FileLink.objects.create(account=account, file=stored, expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(services.FileUnavailable) as through_link:
        services.download(caller, stored, link=link)
    stored.expires_at = timezone.now() - timedelta(seconds=1)
    with pytest.raises(services.FileUnavailable) as expired:
        services.download(caller, stored)

    assert through_link.value.expired
    assert expired.value.expired
    assert not Event.objects.exists()


def test_download_through_a_link_names_the_link(account, stored):
    link = FileLink.objects.create(account=account, file=stored)

    services.download(services.Caller(account, False, Door.API), stored, link=link)

    assert Event.objects.get().data == {"file_link": link.id}
