"""One HTTP request to a service that is not trusted, for the clients of remote endpoints
(``kg sparql --endpoint``, ``kg search --endpoint``): the whole exchange has one deadline, the
answer a size cap, and redirects are not followed. Only the standard library: a command that
talks to a server loads nothing else for it."""
from __future__ import annotations

import time
import urllib.parse

from kg.errors import KgError


class FetchError(KgError):
    """The service could not be reached, refused the request, or answered past a limit."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class FetchTimeout(FetchError):
    """The service did not answer within the deadline."""


def fetch(url: str, accept: str, timeout: float, max_bytes: int, data: bytes | None = None,
          content_type: str | None = None, what: str = "request") -> tuple[str, bytes]:
    """GET ``url`` (POST ``data`` when given); the answer's media type and body, read within one
    deadline. Raises FetchError (FetchTimeout) with a one-line reason naming ``what`` was sent."""
    import http.client

    deadline = time.monotonic() + timeout
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"not an http(s) endpoint URL: {url[:200]}")
    conn_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    try:
        conn = conn_class(parts.hostname, parts.port, timeout=timeout)
    except ValueError as exc:  # a port that is not a number
        raise FetchError(f"not an http(s) endpoint URL: {url[:200]} ({exc})") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"Accept": accept, "User-Agent": "policy-kg"}
    if content_type:
        headers["Content-Type"] = content_type
    try:
        conn.request("POST" if data is not None else "GET", path, body=data, headers=headers)
        resp = conn.getresponse()
        if 300 <= resp.status < 400:
            raise FetchError(f"the endpoint redirects ({resp.status}) to {(resp.getheader('Location') or '?')[:200]}; "
                             "give that URL instead", resp.status)
        if resp.status != 200:
            body = resp.read(300).decode("utf-8", "replace")
            raise FetchError(f"the endpoint refused the {what} ({resp.status}): {' '.join(body.split())[:200]}", resp.status)
        ctype = (resp.getheader("Content-Type") or "").split(";")[0].strip().lower()
        chunks, size = [], 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise FetchTimeout(f"the endpoint did not answer within {timeout:g} s")
            conn.sock.settimeout(left)  # each read waits no longer than the time still left
            chunk = resp.read1(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(f"the endpoint's answer is larger than {max_bytes // (1024 * 1024)} MiB; narrow the request")
            chunks.append(chunk)
    except TimeoutError:
        raise FetchTimeout(f"the endpoint did not answer within {timeout:g} s") from None
    except (http.client.HTTPException, OSError) as exc:
        raise FetchError(f"cannot reach the endpoint {url[:200]}: {exc}") from None
    finally:
        conn.close()
    return ctype, b"".join(chunks)
