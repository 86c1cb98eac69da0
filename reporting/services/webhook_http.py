"""One webhook POST as Stripe sends it: JSON, signed, to a checked address, given WEBHOOK_TIMEOUT and no more.

The signature is Stripe's: `Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256
of "<t>.<body>" keyed with the endpoint's secret>`, which the official clients'
`Webhook.construct_event` verifies. Redirects are not followed (an answer is the
answer, as with Stripe), and only the start of the answer's body is read.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

import urllib3
from django.conf import settings
from urllib3.exceptions import HTTPError, NewConnectionError, ReadTimeoutError, SSLError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from .webhook_urls import UnsafeUrl, port_of, public_addresses, split

BODY_SNIPPET_BYTES = 2000
USER_AGENT = "reporting/1.0 (+Stripe-compatible webhooks)"


@dataclass(frozen=True)
class Answer:
    """What came back: a status and the start of the body, or an error in words; and how long it took."""

    duration_ms: int
    status: int | None = None
    body: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def signature(payload: bytes, secret: str, timestamp: int) -> str:
    """The `Stripe-Signature` header of `payload` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def post(url: str, payload: bytes, secret: str) -> Answer:
    """POST the signed payload; never raises for what the endpoint or the network does."""
    started = time.monotonic()

    def answer(**kwargs: object) -> Answer:
        return Answer(duration_ms=round((time.monotonic() - started) * 1000), **kwargs)  # type: ignore[arg-type]

    try:
        parts = split(url)
        # Checked now, not only when saved: the name may resolve elsewhere today (DNS rebinding),
        # and the connection goes to the address checked, not to a second lookup.
        targets = [parts.hostname or ""] if settings.WEBHOOKS_ALLOW_PRIVATE_URLS else public_addresses(parts)
    except UnsafeUrl as exc:
        return answer(error=f"Not sent: {exc}")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Host": parts.netloc,
        "User-Agent": USER_AGENT,
        "Stripe-Signature": signature(payload, secret, int(time.time())),
        "Cache-Control": "no-cache",
    }
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    timeout = urllib3.Timeout(connect=settings.WEBHOOK_TIMEOUT, read=settings.WEBHOOK_TIMEOUT)
    error = ""
    for address in targets:
        pool = _pool(parts.scheme.lower(), address, port_of(parts), parts.hostname or "", timeout)
        try:
            response = pool.urlopen(
                "POST",
                path,
                body=payload,
                headers=headers,
                retries=False,
                redirect=False,
                assert_same_host=False,
                preload_content=False,
            )
        except NewConnectionError as exc:
            error = f"Could not connect to {parts.hostname}: {_reason(exc)}"
            continue  # the host's next address, if it has one
        except ReadTimeoutError:
            return answer(error=f"No answer within {settings.WEBHOOK_TIMEOUT:g} s.")
        except Urllib3Timeout:
            error = f"Could not connect to {parts.hostname} within {settings.WEBHOOK_TIMEOUT:g} s."
            continue
        except SSLError as exc:
            return answer(error=f"TLS failed: {_reason(exc)}")
        except HTTPError as exc:
            return answer(error=f"The connection failed: {_reason(exc)}")
        else:
            body, cut = _snippet(response)
            return answer(status=response.status, body=body, error=cut)
        finally:
            pool.close()
    return answer(error=error or f"Could not connect to {parts.hostname}.")


def _pool(scheme: str, address: str, port: int, host: str, timeout: urllib3.Timeout) -> urllib3.HTTPConnectionPool:
    if scheme == "https":
        # Connected by address, verified by name: the certificate must be the host's.
        return urllib3.HTTPSConnectionPool(
            address, port, timeout=timeout, maxsize=1, server_hostname=host, assert_hostname=host
        )
    return urllib3.HTTPConnectionPool(address, port, timeout=timeout, maxsize=1)


def _snippet(response: urllib3.BaseHTTPResponse) -> tuple[str, str]:
    """The start of the body, and why it stops short if the endpoint stalled or broke off."""
    try:
        data = response.read(BODY_SNIPPET_BYTES, decode_content=True)
        return data.decode("utf-8", errors="replace"), ""
    except ReadTimeoutError:
        return "", f"The answer's body did not arrive within {settings.WEBHOOK_TIMEOUT:g} s."
    except HTTPError as exc:
        return "", f"The answer's body broke off: {_reason(exc)}"
    finally:
        response.release_conn()
        response.close()


def _reason(exc: BaseException) -> str:
    """The innermost cause in words, without urllib3's object reprs."""
    while exc.__context__ is not None and not str(exc):
        exc = exc.__context__
    text = str(exc)
    if isinstance(exc, NewConnectionError) and ":" in text:
        text = text.rsplit(":", 1)[
            1
        ].strip()  # "...: Failed to establish a new connection: [Errno 111] Connection refused"
    return text[:300] or type(exc).__name__
