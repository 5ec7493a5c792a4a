"""A small, strict REST client for a Label Studio server (tested against 1.23.2).

    from nblabel.labelstudio import LabelStudio

    ls = LabelStudio()                                  # LABEL_STUDIO_URL / LABEL_STUDIO_API_KEY
    project = ls.project("Reviews", config=xml)        # open by exact title, or create it
    ids = project.import_tasks([{"data": {"text": "great"}}])
    project.import_predictions([{"task": ids[0], "result": [...], "model_version": "v1"}])
    for task in project.iter_tasks():                  # paginated, memory bounded
        ...
    with project.snapshot() as tasks:                  # a consistent export, streamed one task at a time
        ...

Runtime dependency: ``requests`` only. Behaviour worth knowing:

* **Auth.** A legacy API key is sent as ``Authorization: Token <key>``. A personal access token
  (a JWT *refresh* token) is exchanged at ``POST /api/token/refresh/`` for an access token sent as
  ``Bearer``; it is renewed shortly before its 300 s lifetime ends, and once more on a 401.
  The key never appears in ``repr()``, ``str()``, exception messages, log records or pickles
  (an unpickled client reads ``LABEL_STUDIO_API_KEY`` again).
* **Retries.** Connection errors, timeouts, 429 and 5xx are retried with exponential backoff
  (honouring ``Retry-After``) for idempotent requests only: GET/HEAD/OPTIONS/PUT/DELETE, and
  requests a caller marks ``idempotent=True``. Imports and annotation creation are never retried
  (a retry after a lost response would duplicate data).
* **Errors.** Success is judged by the status code (Label Studio error bodies carry an ``"id"``
  too). Failures raise a :class:`LabelStudioError` subclass with the server's ``detail``.
* **Server facts** this relies on (1.23.2): the tasks list answers 404 "Invalid page." past its
  last page; ``/import/predictions`` silently drops predictions that don't fit the config
  (unknown from_name, type or label); task ids are reused after deletions on SQLite, so never
  cache server ids across projects.

Not thread safe: use one client per thread.
"""

from __future__ import annotations

import base64
import codecs
import json
import logging
import os
import random
import threading
import time
import warnings
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import requests
from lxml import etree

from .config.errors import ConfigError
from .config.parse import parse_xml

__all__ = [
    "AuthError",
    "ConfigMismatchWarning",
    "Conflict",
    "ConnectionFailed",
    "ExportStream",
    "LabelStudio",
    "LabelStudioError",
    "LabelStudioWarning",
    "NotFound",
    "Project",
    "ServerError",
    "ValidationError",
    "config_differences",
]

log = logging.getLogger(__name__)

DEFAULT_URL = "http://localhost:8080"

# Sizes measured against a real 1.23.2 server on loopback (2 cores shared with other work, load
# 3-6; best of 3 / 2 / 1 runs; docs/label-studio.md has the table):
# * import 10,000 small text tasks: batches of 500 -> 3.3 s, 1000 -> 2.1 s, 2000 -> 1.8 s,
#   5000 -> 1.6 s, 10000 -> 1.9 s. About 75 ms per request on top of the server's own work, so
#   2000 is within noise of the best while keeping a failed batch (all or nothing) and one
#   request's size small.
# * /import/predictions, 10,000 predictions on a 10,000-task project: 1000 -> 56 s, 2000 -> 19 s,
#   5000 -> 9.5 s, 10000 -> 10.5 s. Every request recounts the counters of ALL the project's tasks,
#   so the cost is per request and grows with the project: send as few requests as possible.
# * list 10,000 tasks (fields=all, 1 prediction each): page 100 -> 35 s, 500 -> 32.6 s,
#   1000 -> 32.9 s, 5000 -> 32.6 s (slowest page 1.2 / 2.3 / 4.2 / 17.8 s). The cost is per task;
#   the page size bounds memory and each request's duration. A full JSON export took 14.8 s.
IMPORT_BATCH_SIZE = 2000
PREDICTION_BATCH_SIZE = 10000
MAX_BATCH_BYTES = 32 << 20  # a batch also ends before its JSON body passes 32 MiB (server: 250 MB)
PAGE_SIZE = 500
PROJECT_PAGE_SIZE = 100
BULK_TIMEOUT = 600.0  # imports and exports: the server answers only when all the work is done
SNAPSHOT_POLL = 0.25  # seconds between status checks of a snapshot built in a background worker
# What a pull needs of a snapshot and no more: ids of predictions and drafts, authors as user ids,
# no annotation history, key frames as annotated. 10,000 tasks with an annotation and a prediction
# each: 9.3-11.3 s of server time, vs 12.7-13.8 s for the plain GET export (docs/label-studio.md).
SNAPSHOT_OPTIONS: dict[str, Any] = {
    "predictions": {"only_id": True},
    "drafts": {"only_id": True},
    "annotations__completed_by": {"only_id": True},
    "include_annotation_history": False,
    "interpolate_key_frames": False,
}

ACCESS_TOKEN_MARGIN = 30.0  # renew a Bearer access token this many seconds before it expires
ACCESS_TOKEN_LIFETIME = 300.0  # Label Studio's, used when the token carries no `exp`
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
MAX_BACKOFF = 30.0

_START_HINT = (
    "Is the server running? Start one with `label-studio start --port 8080` (in nblabel's repo: "
    "`python scripts/ls_server.py start`) and set LABEL_STUDIO_URL; see docs/label-studio.md."
)


# --------------------------------------------------------------------------- errors


class LabelStudioError(Exception):
    """A Label Studio request failed. ``status`` is the HTTP status (None without a response),
    ``detail`` the server's message, ``error_id`` the id of its error envelope."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str | None = None,
        url: str | None = None,
        detail: str | None = None,
        error_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.method = method
        self.url = url
        self.detail = detail
        self.error_id = error_id

    def __str__(self) -> str:
        return self.message


class AuthError(LabelStudioError):
    """401/403: missing, wrong, revoked or disabled API key, or no permission."""


class NotFound(LabelStudioError):
    """404: no such project, task, annotation or page."""


class Conflict(LabelStudioError):
    """409: e.g. creating a personal access token while one is valid."""


class ServerError(LabelStudioError):
    """5xx after the retries allowed for the request."""


class ConnectionFailed(LabelStudioError):
    """No HTTP answer: connection refused, DNS failure, timeout, connection dropped."""


class ValidationError(LabelStudioError):
    """400: the server rejected the input. ``validation_errors`` maps field -> list of messages."""

    def __init__(self, message: str, *, validation_errors: Mapping[str, Any] | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.validation_errors: dict[str, Any] = dict(validation_errors or {})


class LabelStudioWarning(UserWarning):
    """Something the server did that may not be what you meant (e.g. dropped predictions)."""


class ConfigMismatchWarning(LabelStudioWarning):
    """The project's label config on the server differs from the one given."""


# --------------------------------------------------------------------------- credentials


def _b64json(part: str) -> Any:
    raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    return json.loads(raw)


def _jwt_claims(token: str) -> dict | None:
    """The payload of a JWT (unverified), or None if `token` does not look like one."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        return None
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    if not all(set(p) <= allowed for p in parts):
        return None
    try:
        claims = _b64json(parts[1])
    except (ValueError, TypeError):
        return None
    return claims if isinstance(claims, dict) else None


class _Credentials:
    """Holds the key and the current access token. Never printed, never pickled."""

    def __init__(self, key: str | None) -> None:
        key = (key or "").strip()
        for prefix in ("Token ", "Bearer "):  # pasted with the scheme
            if key.startswith(prefix):
                key = key[len(prefix) :].strip()
        self.key = key or None
        claims = _jwt_claims(key) if key else None
        if not key:
            self.kind = "none"
        elif claims and claims.get("token_type") == "refresh":
            self.kind = "personal access token"
        elif claims and claims.get("token_type") == "access":
            self.kind = "access token"  # sent as Bearer as is; it expires after 5 minutes
        else:
            self.kind = "legacy token"
        self.access: str | None = None
        self.access_expires = 0.0
        self.refreshes = 0
        self.lock = threading.Lock()

    def secrets(self) -> list[str]:
        return [s for s in (self.key, self.access) if s]

    def __repr__(self) -> str:
        return f"<credentials: {self.kind}>"

    def __reduce__(self) -> Any:
        raise TypeError("Label Studio credentials cannot be pickled")


# --------------------------------------------------------------------------- client


class LabelStudio:
    """A Label Studio server.

    ``url`` and ``token`` default to the environment variables ``LABEL_STUDIO_URL`` (else
    ``http://localhost:8080``) and ``LABEL_STUDIO_API_KEY``. ``timeout`` (seconds) applies to every
    request; ``retries`` is how many times an idempotent request is retried after a connection
    error, timeout, 429 or 5xx, waiting ``backoff * 2**n`` seconds (at most 30 s) in between.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        timeout: float = 30,
        retries: int = 3,
        backoff: float = 0.25,
    ) -> None:
        self.url = _normalize_url(url or os.environ.get("LABEL_STUDIO_URL") or DEFAULT_URL)
        self.timeout = float(timeout)
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self._creds = _Credentials(token if token is not None else os.environ.get("LABEL_STUDIO_API_KEY"))
        self._session = self._new_session()

    # ------------------------------------------------------------------ plumbing

    @staticmethod
    def _new_session() -> requests.Session:
        s = requests.Session()
        agent = s.headers.get("User-Agent", "")
        agent = agent.decode() if isinstance(agent, bytes) else agent
        s.headers["User-Agent"] = f"nblabel/{_nblabel_version()} {agent}".strip()
        s.headers["Accept"] = "application/json"
        return s

    @property
    def auth_kind(self) -> str:
        """'legacy token', 'personal access token', 'access token' or 'none'."""
        return self._creds.kind

    def __repr__(self) -> str:
        return f"LabelStudio(url={self.url!r}, auth={self._creds.kind!r})"

    __str__ = __repr__

    def __getstate__(self) -> dict:
        # No key, no access token, no session (its last request's headers would hold them).
        return {"url": self.url, "timeout": self.timeout, "retries": self.retries, "backoff": self.backoff}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._creds = _Credentials(os.environ.get("LABEL_STUDIO_API_KEY"))
        self._session = self._new_session()

    def close(self) -> None:
        self._session.close()

    def clone(self) -> "LabelStudio":
        """A client for the same server and key with its own HTTP session: one per thread.

        The credentials object (and so a renewed access token) is shared; it has its own lock.
        """
        other = LabelStudio.__new__(LabelStudio)
        other.url, other.timeout, other.retries, other.backoff = self.url, self.timeout, self.retries, self.backoff
        other._creds = self._creds
        other._session = self._new_session()
        return other

    def __enter__(self) -> "LabelStudio":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _redact(self, text: str) -> str:
        for secret in self._creds.secrets():
            text = text.replace(secret, "***")
        return text

    def _auth_header(self) -> dict[str, str]:
        c = self._creds
        if c.kind == "none":
            return {}
        if c.kind == "legacy token":
            return {"Authorization": f"Token {c.key}"}
        if c.kind == "access token":
            return {"Authorization": f"Bearer {c.key}"}
        if c.access is None or time.time() >= c.access_expires - ACCESS_TOKEN_MARGIN:
            self._refresh_access()
        return {"Authorization": f"Bearer {c.access}"}

    def _refresh_access(self, stale: str | None = None) -> None:
        """Exchange the personal access token for a fresh access token (skipped if another
        caller already replaced the `stale` one)."""
        c = self._creds
        with c.lock:
            if stale is not None and c.access != stale and c.access is not None:
                return
            try:
                body = self._json("POST", "/api/token/refresh/", json={"refresh": c.key}, idempotent=True, auth=False)
            except AuthError as exc:
                raise AuthError(
                    f"{self.url} rejected the personal access token ({exc.detail or exc.status}). "
                    "It may be revoked, or belong to another server: create one under Account & "
                    "Settings -> Personal Access Token and set LABEL_STUDIO_API_KEY.",
                    status=exc.status,
                    method=exc.method,
                    url=exc.url,
                    detail=exc.detail,
                    error_id=exc.error_id,
                ) from None
            access = body.get("access") if isinstance(body, dict) else None
            if not isinstance(access, str) or not access:
                raise LabelStudioError(f"{self.url}/api/token/refresh/ answered without an access token")
            exp = (_jwt_claims(access) or {}).get("exp")
            c.access = access
            c.access_expires = float(exp) if isinstance(exp, (int, float)) else time.time() + ACCESS_TOKEN_LIFETIME
            c.refreshes += 1
            log.debug("Label Studio access token renewed (valid for %.0f s)", c.access_expires - time.time())

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        stream: bool = False,
        timeout: float | None = None,
        auth: bool = True,
    ) -> requests.Response:
        """Send one API request (``path`` like ``/api/projects``) and return the 2xx response.

        Retries as described in the class docstring (``idempotent`` overrides the method's
        default); raises :class:`LabelStudioError` subclasses for every failure.
        """
        method = method.upper()
        if not path.startswith("/"):
            path = "/" + path
        url = self.url + path
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        attempts = 1 + (self.retries if idempotent else 0)
        t = self.timeout if timeout is None else float(timeout)
        timeouts = (min(t, 10.0), t)  # (connect, read)
        attempt = 0
        reauthorized = False
        while True:
            attempt += 1
            hdrs = dict(headers or {})
            sent_auth = self._auth_header() if auth else {}
            hdrs.update(sent_auth)
            t0 = time.monotonic()
            try:
                resp = self._session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    data=data,
                    headers=hdrs,
                    timeout=timeouts,
                    stream=stream,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                reason = _connection_reason(exc, t)
                if attempt < attempts:
                    self._pause(attempt, attempts, method, path, reason, None)
                    continue
                tried = f" (tried {attempt} times)" if attempt > 1 else ""
                if not idempotent and not isinstance(exc, requests.ConnectTimeout) and "refused" not in reason:
                    # The request may have reached the server: say so instead of suggesting a start.
                    raise ConnectionFailed(
                        f"No answer from Label Studio at {self.url}: {reason} [{method} {path}]. The server may "
                        "still have carried out this request: check before repeating it.",
                        method=method,
                        url=url,
                    ) from None
                raise ConnectionFailed(
                    f"Cannot reach Label Studio at {self.url}: {reason}{tried} [{method} {path}]. {_START_HINT}",
                    method=method,
                    url=url,
                ) from None
            except requests.RequestException as exc:
                raise LabelStudioError(
                    self._redact(f"{method} {url} failed: {type(exc).__name__}: {exc}"), method=method, url=url
                ) from None
            status = resp.status_code
            log.debug("Label Studio %s %s -> %s (%.0f ms)", method, path, status, 1000 * (time.monotonic() - t0))
            if status == 401 and self._creds.kind == "personal access token" and sent_auth and not reauthorized:
                # The access token expired early or was revoked: renew it once. A 401 means the
                # request was not processed, so repeating it is safe for any method.
                reauthorized = True
                resp.close()
                self._refresh_access(stale=sent_auth["Authorization"].split(" ", 1)[1])
                attempt -= 1
                continue
            if status in RETRY_STATUSES and attempt < attempts:
                self._pause(attempt, attempts, method, path, f"HTTP {status}", resp)
                resp.close()
                continue
            if status >= 400:
                try:
                    raise self._error(resp, method, url)
                finally:
                    resp.close()
            return resp

    def _pause(
        self, attempt: int, attempts: int, method: str, path: str, reason: str, resp: requests.Response | None
    ) -> None:
        delay = min(MAX_BACKOFF, self.backoff * 2 ** (attempt - 1)) * random.uniform(0.9, 1.1)
        if resp is not None:
            after = resp.headers.get("Retry-After", "")
            if after.strip().isdigit():
                delay = min(60.0, float(after))
        log.warning(
            "Label Studio %s %s: %s; retry %d of %d in %.2f s", method, path, reason, attempt, attempts - 1, delay
        )
        time.sleep(delay)

    def _error(self, resp: requests.Response, method: str, url: str) -> LabelStudioError:
        status = resp.status_code
        try:
            body = resp.json()
        except ValueError:
            body = None
        detail = error_id = None
        verrs: dict[str, Any] = {}
        if isinstance(body, dict):
            if "status_code" in body or "detail" in body:  # Label Studio's error envelope
                detail = body.get("detail")
                detail = str(detail) if detail is not None else None
                error_id = body.get("id") if isinstance(body.get("id"), str) else None
                if isinstance(body.get("validation_errors"), dict):
                    verrs = body["validation_errors"]
            else:  # a bare DRF error dict, e.g. {"label_config": ["..."]}
                verrs = body
        elif isinstance(body, list) and body:
            detail = "; ".join(map(str, body))
        if detail is None and not verrs:
            if "html" in resp.headers.get("Content-Type", ""):
                detail = f"{resp.reason or 'error'} (an HTML page, not an API answer: check the URL)"
            else:
                detail = " ".join(resp.text.split())[:300] or resp.reason or None
        where = f"[{method} {url.removeprefix(self.url)}]"
        kw: dict[str, Any] = {"status": status, "method": method, "url": url, "detail": detail, "error_id": error_id}
        if status in (401, 403):
            hint = self._auth_hint(status, detail)
            return AuthError(self._redact(f"HTTP {status} from {self.url}: {detail} {where}. {hint}"), **kw)
        if status == 404:
            return NotFound(self._redact(f"HTTP 404 from {self.url}: {detail} {where}"), **kw)
        if status == 409:
            return Conflict(self._redact(f"HTTP 409 from {self.url}: {detail} {where}"), **kw)
        if status >= 500:
            return ServerError(self._redact(f"HTTP {status} from {self.url}: {detail} {where}"), **kw)
        if status in (400, 422) or verrs:
            flat = _flatten_errors(verrs)
            head = detail if detail and detail != "Validation error" else "validation error"
            msg = f"HTTP {status} from {self.url}: {head}" + (f": {flat}" if flat else "") + f" {where}"
            return ValidationError(self._redact(msg), validation_errors=verrs, **kw)
        return LabelStudioError(self._redact(f"HTTP {status} from {self.url}: {detail} {where}"), **kw)

    def _auth_hint(self, status: int, detail: str | None) -> str:
        d = (detail or "").lower()
        kind = self._creds.kind
        if status == 403:
            return "The key is valid but lacks permission for this."
        if kind == "none":
            return "No API key: pass token=... or set LABEL_STUDIO_API_KEY (Account & Settings in Label Studio)."
        if "legacy token" in d:
            return (
                "Legacy API tokens are disabled for this organization: use a personal access token, "
                "or enable legacy tokens in the organization's API token settings."
            )
        if kind == "access token":
            return "Access tokens expire after 5 minutes: pass the personal access token (the refresh token) instead."
        return f"Check the {kind} in LABEL_STUDIO_API_KEY (or token=...): it is not valid on this server."

    def _json(self, method: str, path: str, **kw: Any) -> Any:
        """request() and decode the JSON body (None for an empty body, e.g. 204)."""
        resp = self.request(method, path, **kw)
        if resp.status_code == 204 or not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            ctype = resp.headers.get("Content-Type", "?")
            raise LabelStudioError(
                f"{method} {self.url}{path} answered {resp.status_code} with {ctype}, not JSON: "
                f"{' '.join(resp.text.split())[:120]!r}. Is {self.url} a Label Studio server?",
                status=resp.status_code,
                method=method,
                url=self.url + path,
            ) from None

    # ------------------------------------------------------------------ server

    def version(self) -> dict[str, Any]:
        """``GET /api/version``: ``{"release": "1.23.2", ...}`` (no auth needed)."""
        return self._json("GET", "/api/version")

    def whoami(self) -> dict[str, Any]:
        """The user the key belongs to (``GET /api/current-user/whoami``)."""
        return self._json("GET", "/api/current-user/whoami")

    def users(self) -> list[dict[str, Any]]:
        """The members of the key's organization (``GET /api/users``): ``id``, ``email``, ``username``, ..."""
        body = self._json("GET", "/api/users")
        if isinstance(body, dict):  # paginated answer, should a server version add it
            body = body.get("results", [])
        return [u for u in body or [] if isinstance(u, dict)]

    def validate_config(self, config: str) -> None:
        """Check a label config with the server (``POST /api/projects/validate/``).

        Raises :class:`ValidationError` with the server's message (e.g. ``toName="x" not found in
        names: [...]``). The server accepts unknown tags and an empty ``<View></View>``.
        """
        self._json("POST", "/api/projects/validate/", json={"label_config": config}, idempotent=True)

    # ------------------------------------------------------------------ projects

    def projects(self, *, title: str | None = None, page_size: int = PROJECT_PAGE_SIZE) -> Iterator["Project"]:
        """All projects the key can see, page by page (``title``: case-insensitive substring filter)."""
        page = 1
        while True:
            params: dict[str, Any] = {"page": page, "page_size": page_size}
            if title is not None:
                params["title"] = title
            try:
                body = self._json("GET", "/api/projects", params=params)
            except NotFound:
                if page > 1:
                    return  # past the last page
                raise
            results = body.get("results", []) if isinstance(body, dict) else []
            for p in results:
                yield Project(self, p)
            if not results or not body.get("next"):
                return
            page += 1

    def create_project(self, title: str, config: str, **fields: Any) -> "Project":
        """Create a project (``POST /api/projects``); ``fields`` are other project settings
        (``description``, ``maximum_annotations``, ...). Titles must be 3-50 characters."""
        body = self._json("POST", "/api/projects", json={"title": title, "label_config": config, **fields})
        return Project(self, body)

    def project(self, id_or_title: int | str, *, config: str | None = None, create: bool = True) -> "Project":
        """Open a project by id (``int``) or exact title (``str``, outer whitespace ignored).

        A title that no project has is created with ``config`` when ``create`` is true. If the
        server's label config differs from ``config``, a :class:`ConfigMismatchWarning` names the
        differences (the server's config is kept: see :meth:`Project.update_config`). Several
        projects with the same title raise :class:`LabelStudioError`: open one by id.
        """
        if isinstance(id_or_title, bool) or not isinstance(id_or_title, (int, str)):
            raise TypeError(f"project() takes a project id (int) or title (str), not {id_or_title!r}")
        if isinstance(id_or_title, int):
            try:
                project = Project(self, self._json("GET", f"/api/projects/{id_or_title}"))
            except NotFound as exc:
                raise NotFound(
                    f"No project with id {id_or_title} on {self.url}",
                    status=404,
                    method=exc.method,
                    url=exc.url,
                    detail=exc.detail,
                    error_id=exc.error_id,
                ) from None
        else:
            title = id_or_title.strip()  # the server strips titles
            matches = [p for p in self.projects(title=title) if p.title == title]
            if len(matches) > 1:
                ids = ", ".join(str(p.id) for p in matches)
                raise LabelStudioError(
                    f"{len(matches)} projects on {self.url} are titled {title!r} (ids {ids}): open one by id"
                )
            if matches:
                project = matches[0]
            elif not create:
                raise NotFound(f"No project titled {title!r} on {self.url}", status=404)
            elif config is None:
                raise NotFound(f"No project titled {title!r} on {self.url}; pass config=... to create it", status=404)
            else:
                return self.create_project(title, config)
        if config is not None:
            diffs = config_differences(project.label_config, config)
            if diffs:
                more = f"; and {len(diffs) - 5} more" if len(diffs) > 5 else ""
                warnings.warn(
                    f"Project {project.id} {project.title!r} on {self.url}: its label config differs from the "
                    f"one given: {'; '.join(diffs[:5])}{more}. The server's config is kept; "
                    "project.update_config(config) replaces it.",
                    ConfigMismatchWarning,
                    stacklevel=2,
                )
        return project


# --------------------------------------------------------------------------- project


class Project:
    """A project on a Label Studio server. ``data`` is the server's project JSON as last fetched."""

    def __init__(self, client: LabelStudio, data: Mapping[str, Any]) -> None:
        self.client = client
        self.data: dict[str, Any] = dict(data)

    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def title(self) -> str:
        return str(self.data.get("title") or "")

    @property
    def label_config(self) -> str:
        return str(self.data.get("label_config") or "")

    def __repr__(self) -> str:
        return f"Project(id={self.id}, title={self.title!r}, url={self.client.url!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Project) and (self.client.url, self.id) == (other.client.url, other.id)

    def __hash__(self) -> int:
        return hash((self.client.url, self.id))

    @property
    def _path(self) -> str:
        return f"/api/projects/{self.id}"

    def refresh(self) -> "Project":
        """Re-read the project from the server."""
        self.data = self.client._json("GET", self._path)
        return self

    def update(self, **fields: Any) -> "Project":
        """``PATCH`` project fields (``title``, ``description``, ...)."""
        self.data = self.client._json("PATCH", self._path, json=fields, idempotent=True)
        return self

    def update_config(self, config: str) -> "Project":
        """Replace the label config. The server refuses (ValidationError) only when existing
        annotations use a from_name/to_name/type the new config lacks."""
        return self.update(label_config=config)

    def delete(self) -> None:
        """Delete the project with its tasks, annotations and predictions."""
        self.client._json("DELETE", self._path)

    def task_count(self) -> int:
        """Number of tasks in the project (one small request)."""
        body = self.client._json("GET", "/api/tasks", params={"project": self.id, "page_size": 1})
        return int(body.get("total", 0))

    # ------------------------------------------------------------------ import

    def import_tasks(
        self,
        tasks: Iterable[Mapping[str, Any]],
        *,
        batch_size: int = IMPORT_BATCH_SIZE,
        timeout: float | None = None,
    ) -> list[int]:
        """Create tasks (``POST .../import?return_task_ids=true``), ``batch_size`` per request
        (fewer if a batch's JSON would pass ``MAX_BATCH_BYTES``).

        Each task is ``{"data": {...}, "meta": ..., "predictions": [...], "annotations": [...]}``
        (a flat dict becomes ``data``); the server ignores task ``id``s and does not check results
        against the label config. Returns the new task ids in input order. ``tasks`` may be any
        iterable (consumed one batch at a time). Imports are never retried; if a batch fails,
        earlier batches stay imported and the exception's ``imported_task_ids`` lists them.
        """
        return self.import_encoded(encode_batches(tasks, batch_size, "task"), timeout=timeout)

    def import_encoded(self, batches: Iterable[tuple[int, bytes]], *, timeout: float | None = None) -> list[int]:
        """:meth:`import_tasks` for bodies already encoded by :func:`encode_batches`, so a caller can
        encode the next batch while one is in flight. Returns the new task ids in input order."""
        ids: list[int] = []
        start = 0
        for n, body in batches:
            try:
                answer = self.client._json(
                    "POST",
                    f"{self._path}/import",
                    params={"return_task_ids": "true"},
                    data=body,
                    headers={"Content-Type": "application/json"},
                    timeout=self._bulk_timeout(timeout),
                )
            except LabelStudioError as exc:
                if start:  # item numbers in the server's message count from the batch's start
                    exc.message += (
                        f" (in the batch of input items {start}-{start + n - 1}; "
                        f"the {len(ids)} tasks of earlier batches were imported)"
                    )
                    exc.args = (exc.message,)
                exc.imported_task_ids = list(ids)  # type: ignore[attr-defined]
                raise
            got = answer.get("task_ids") if isinstance(answer, dict) else None
            if not isinstance(got, list) or len(got) != n:
                count = len(got) if isinstance(got, list) else "no"
                err = LabelStudioError(f"{self.client.url} returned {count} task ids for {n} imported tasks")
                err.imported_task_ids = ids + (got if isinstance(got, list) else [])  # type: ignore[attr-defined]
                raise err
            ids.extend(int(i) for i in got)
            start += n
        return ids

    def import_predictions(
        self,
        predictions: Iterable[Mapping[str, Any]],
        *,
        batch_size: int = PREDICTION_BATCH_SIZE,
        strict: bool = False,
        timeout: float | None = None,
    ) -> int:
        """Add predictions to existing tasks (``POST .../import/predictions``), each
        ``{"task": id, "result": [...], "score": 0.9, "model_version": "v1"}``.

        Returns how many the server created. The server silently drops predictions that fail
        its check against the label config (e.g. an unknown from_name): if fewer were created
        than sent, a :class:`LabelStudioWarning` says so, or with ``strict=True`` a
        LabelStudioError (after all batches were sent). Never retried. Each request makes the
        server recount every task of the project, hence the large default batch.
        """
        sent = created = 0
        for n, body in encode_batches(predictions, batch_size, "prediction"):
            try:
                answer = self.client._json(
                    "POST",
                    f"{self._path}/import/predictions",
                    data=body,
                    headers={"Content-Type": "application/json"},
                    timeout=self._bulk_timeout(timeout),
                )
            except LabelStudioError as exc:
                if sent:
                    exc.message += (
                        f" (in the batch of input items {sent}-{sent + n - 1}; the server had "
                        f"created {created} of the {sent} predictions of earlier batches)"
                    )
                    exc.args = (exc.message,)
                raise
            got = answer.get("created") if isinstance(answer, dict) else None
            if not isinstance(got, int):
                raise LabelStudioError(f"{self.client.url} answered {answer!r} to a predictions import")
            sent += n
            created += got
        if created != sent:
            msg = (
                f"Project {self.id}: the server created {created} of {sent} predictions and silently "
                f"dropped {sent - created}; their results do not fit the project's label config "
                "(unknown from_name/to_name, type or label?)"
            )
            if strict:
                raise LabelStudioError(msg)
            warnings.warn(msg, LabelStudioWarning, stacklevel=2)
        return created

    def _bulk_timeout(self, timeout: float | None) -> float:
        return float(timeout) if timeout is not None else max(self.client.timeout, BULK_TIMEOUT)

    # ------------------------------------------------------------------ annotations

    def create_annotation(self, task_id: int, result: Sequence[Mapping[str, Any]], **fields: Any) -> dict[str, Any]:
        """Create one annotation on a task (``POST /api/tasks/{id}/annotations``); ``fields``:
        ``lead_time``, ``was_cancelled``, ``ground_truth``, ... Returns the server's annotation.
        Never retried (a retry could create it twice). For many, prefer import_tasks with
        inline ``annotations``: one request per annotation costs 35-235 ms."""
        body = {"result": _result_list(result), **fields}
        return self.client._json("POST", f"/api/tasks/{int(task_id)}/annotations", json=body)

    def update_annotation(
        self, annotation_id: int, result: Sequence[Mapping[str, Any]] | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Change an annotation (``PATCH /api/annotations/{id}``): its ``result`` and/or other
        fields. Sets absolute values, so it is retried like an idempotent request."""
        body: dict[str, Any] = dict(fields)
        if result is not None:
            body["result"] = _result_list(result)
        return self.client._json("PATCH", f"/api/annotations/{int(annotation_id)}", json=body, idempotent=True)

    def delete_annotation(self, annotation_id: int) -> None:
        self.client._json("DELETE", f"/api/annotations/{int(annotation_id)}")

    # ------------------------------------------------------------------ single tasks and predictions

    def task(self, task_id: int) -> dict[str, Any]:
        """One task with its annotations and predictions (``GET /api/tasks/{id}``)."""
        return self.client._json("GET", f"/api/tasks/{int(task_id)}")

    def update_task(self, task_id: int, **fields: Any) -> dict[str, Any]:
        """``PATCH /api/tasks/{id}``; ``data`` and ``meta`` are replaced whole, not merged."""
        return self.client._json("PATCH", f"/api/tasks/{int(task_id)}", json=fields, idempotent=True)

    def task_predictions(self, task_id: int) -> list[dict[str, Any]]:
        """The predictions of one task (``GET /api/predictions?task=``)."""
        body = self.client._json("GET", "/api/predictions", params={"task": int(task_id)})
        return list(body or [])

    def update_prediction(self, prediction_id: int, **fields: Any) -> dict[str, Any]:
        """``PATCH /api/predictions/{id}`` (``result``, ``score``, ``model_version``)."""
        return self.client._json("PATCH", f"/api/predictions/{int(prediction_id)}", json=fields, idempotent=True)

    # ------------------------------------------------------------------ read back

    def iter_tasks(
        self,
        page_size: int = PAGE_SIZE,
        fields: str | None = "all",
        *,
        resolve_uri: bool = False,
        query: Mapping[str, Any] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield the project's tasks in id order (``GET /api/tasks?project=``, one page at a time).

        ``fields="all"`` includes ``annotations`` and ``predictions``; ``None`` the server's short
        form. ``resolve_uri=False`` returns task data as imported (no storage URL proxying).
        ``query``: a Data Manager query (``{"filters": {"conjunction", "items": [...]}}``), e.g.
        :func:`updated_since`.
        Stops at the server's ``total`` or at the 404 past the last page. Tasks added or deleted
        while iterating may be skipped or seen twice; for a consistent snapshot use export().
        """
        if page_size < 1:
            raise ValueError("page_size must be >= 1")
        page, seen = 1, 0
        while True:
            params: dict[str, Any] = {
                "project": self.id,
                "page": page,
                "page_size": page_size,
                "resolve_uri": str(resolve_uri).lower(),
            }
            if fields:
                params["fields"] = fields
            if query is not None:
                params["query"] = json.dumps(query, separators=(",", ":"))
            try:
                body = self.client._json("GET", "/api/tasks", params=params)
            except NotFound:
                if page > 1:
                    return  # 404 "Invalid page." past the last page
                raise
            if not isinstance(body, dict):
                raise LabelStudioError(f"{self.client.url}/api/tasks answered a {type(body).__name__}, not a page")
            tasks = body.get("tasks") or []
            total = body.get("total")
            yield from tasks
            seen += len(tasks)
            if not tasks or (isinstance(total, int) and seen >= total):
                return
            page += 1

    def export(
        self,
        export_type: str = "JSON",
        download_all_tasks: bool = True,
        *,
        ids: Sequence[int] | None = None,
        timeout: float | None = None,
    ) -> "ExportStream":
        """Download the project export (``GET .../export?exportType=``) and parse it as it streams.

        Returns an :class:`ExportStream`: iterate it for one task dict at a time (``JSON``) or one
        row per annotation (``JSON_MIN``); use it in a ``with`` block or ``close()`` it if not
        read to the end. ``download_all_tasks=False`` exports only annotated tasks (the server's
        default); ``ids`` exports a subset. ``JSON`` tasks carry prediction *ids* only. For other
        formats (CSV, TSV, ...), use :meth:`export_to_file`.
        """
        if export_type not in ("JSON", "JSON_MIN"):
            raise ValueError(f"export() parses JSON and JSON_MIN; use export_to_file() for {export_type!r}")
        resp = self._export_response(export_type, download_all_tasks, ids, timeout)
        return ExportStream(resp, what=f"{export_type} export of project {self.id}")

    def export_to_file(
        self,
        path: str | os.PathLike[str],
        export_type: str = "JSON",
        download_all_tasks: bool = True,
        *,
        ids: Sequence[int] | None = None,
        timeout: float | None = None,
    ) -> int:
        """Stream the export, in any format the project supports, to ``path``; returns its size."""
        resp = self._export_response(export_type, download_all_tasks, ids, timeout)
        size = 0
        try:
            with open(path, "wb") as fh:
                for chunk in resp.iter_content(1 << 16):
                    fh.write(chunk)
                    size += len(chunk)
        except requests.RequestException as exc:
            raise ConnectionFailed(
                f"The export download from {self.client.url} broke off: {type(exc).__name__}"
            ) from None
        finally:
            resp.close()
        return size

    def snapshot(self, *, predictions: bool = False, timeout: float | None = None) -> "ExportStream":
        """Every task of the project as one consistent snapshot, streamed like :meth:`export`.

        The server writes the snapshot (``POST .../exports``) before anything is sent: within the
        request on a plain Label Studio, in a background worker where one is configured (then its
        status is polled). Tasks have the JSON export's shape with ``SNAPSHOT_OPTIONS``: prediction
        and draft ids only (``predictions=True``: whole predictions), ``completed_by`` as a user id,
        no annotation history -- which costs the server less than the plain export. The snapshot
        is deleted from the server when the stream is closed or exhausted (also if the download
        fails).
        """
        t = self._bulk_timeout(timeout)
        options = {**SNAPSHOT_OPTIONS, "predictions": {"only_id": not predictions}}
        made = self.client._json("POST", f"{self._path}/exports", json={"serialization_options": options}, timeout=t)
        if not isinstance(made, dict) or "id" not in made:
            raise LabelStudioError(f"{self.client.url} answered {str(made)[:120]!r} to an export snapshot request")
        sid = int(made["id"])
        path = f"{self._path}/exports/{sid}"
        try:
            status, deadline = made.get("status"), time.monotonic() + t
            while status != "completed":
                if status == "failed":
                    raise LabelStudioError(
                        f"{self.client.url}: export snapshot {sid} of project {self.id} "
                        "failed on the server (its log says why)"
                    )
                if time.monotonic() > deadline:
                    raise LabelStudioError(
                        f"{self.client.url}: export snapshot {sid} of project {self.id} "
                        f"was not ready after {t:.0f} s (status {status!r})"
                    )
                time.sleep(SNAPSHOT_POLL)
                status = (self.client._json("GET", path) or {}).get("status")
            resp = self.client.request("GET", f"{path}/download", params={"exportType": "JSON"}, stream=True, timeout=t)
        except BaseException:
            self._drop_snapshot(sid)
            raise
        return ExportStream(
            resp, what=f"export snapshot {sid} of project {self.id}", on_close=lambda: self._drop_snapshot(sid)
        )

    def _drop_snapshot(self, sid: int) -> None:
        """Delete a snapshot this client made; a failure only costs disk space on the server."""
        try:
            self.client.request("DELETE", f"{self._path}/exports/{sid}").close()
        except LabelStudioError as exc:
            log.warning("could not delete export snapshot %s of project %s: %s", sid, self.id, exc)

    def _export_response(
        self, export_type: str, download_all_tasks: bool, ids: Sequence[int] | None, timeout: float | None
    ) -> requests.Response:
        params: dict[str, Any] = {
            "exportType": export_type,
            "download_all_tasks": str(bool(download_all_tasks)).lower(),
        }
        if ids is not None:
            params["ids[]"] = [int(i) for i in ids]
        t = timeout if timeout is not None else max(self.client.timeout, BULK_TIMEOUT)
        return self.client.request("GET", f"{self._path}/export", params=params, stream=True, timeout=t)


# --------------------------------------------------------------------------- streamed JSON


class ExportStream(Iterator[Any]):
    """Iterates the items of a JSON array as it downloads, holding one item (plus a 64 KiB chunk)
    in memory at a time. Closes the HTTP response when exhausted, on ``close()`` or on leaving a
    ``with`` block. ``count`` is the number of items yielded so far."""

    _CHUNK = 1 << 16

    def __init__(
        self, resp: requests.Response, what: str = "response", on_close: Callable[[], None] | None = None
    ) -> None:
        self._resp: requests.Response | None = resp
        self._on_close = on_close  # called once, after the response is closed
        self._what = what
        self._chunks = resp.iter_content(self._CHUNK)
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._state = "start"  # start -> first (value or ']') -> after (',' or ']') -> value -> ... -> done
        self._retry_len = 0  # after an incomplete parse, wait for the buffer to reach this length
        self._decoder = json.JSONDecoder()
        self.count = 0

    def __iter__(self) -> "ExportStream":
        return self

    def __enter__(self) -> "ExportStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._resp is not None:
            self._resp.close()
            self._resp = None
        self._state = "done"
        done, self._on_close = self._on_close, None
        if done is not None:
            done()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def _fill(self) -> None:
        try:
            chunk = next(self._chunks, None)
        except requests.RequestException as exc:
            self.close()
            raise ConnectionFailed(
                f"The {self._what} broke off after {self.count} items: {type(exc).__name__}"
            ) from None
        if chunk is None:
            self._eof = True
            self._buf += self._utf8.decode(b"", final=True)
        else:
            if self._pos > self._CHUNK and self._pos * 2 > len(self._buf):
                self._buf = self._buf[self._pos :]
                self._retry_len = max(0, self._retry_len - self._pos)
                self._pos = 0
            self._buf += self._utf8.decode(chunk)

    def _bad(self, why: str) -> LabelStudioError:
        self.close()
        return LabelStudioError(f"The {self._what} is not a JSON array: {why} (after {self.count} items)")

    def __next__(self) -> Any:
        while True:
            if self._state == "done":
                raise StopIteration
            buf, pos = self._buf, self._pos
            while pos < len(buf) and buf[pos] in " \t\r\n":
                pos += 1
            self._pos = pos
            if pos >= len(buf):
                if self._eof:
                    raise self._bad("it ends early")
                self._fill()
                continue
            ch = buf[pos]
            if self._state == "start":
                if ch != "[":
                    raise self._bad(f"it starts with {buf[pos : pos + 60]!r}")
                self._pos += 1
                self._state = "first"
                continue
            if self._state in ("first", "after") and ch == "]":
                self._pos += 1
                self.close()
                raise StopIteration
            if self._state == "after":
                if ch != ",":
                    raise self._bad(f"unexpected {buf[pos : pos + 40]!r}")
                self._pos += 1
                self._state = "value"
                continue
            # a value
            if len(buf) < self._retry_len and not self._eof:
                self._fill()
                continue
            try:
                obj, end = self._decoder.raw_decode(buf, pos)
            except json.JSONDecodeError as exc:
                if self._eof:
                    raise self._bad(str(exc)) from None
                # Incomplete item: read on until the buffer has doubled (linear total work).
                self._retry_len = len(buf) + max(len(buf) - pos, self._CHUNK)
                self._fill()
                continue
            if end >= len(buf) and not self._eof and not isinstance(obj, (dict, list, str)):
                self._fill()  # a number or literal may continue in the next chunk
                continue
            self._pos = end
            self._retry_len = 0
            self._state = "after"
            self.count += 1
            return obj


# --------------------------------------------------------------------------- config comparison


def config_differences(server: str, local: str, limit: int = 20) -> list[str]:
    """What differs between two label configs, ignoring formatting, comments, attribute order
    and attribute-name case. Empty when they are equivalent."""
    try:  # the project's one safe parser: no DTD, no entities, size-limited
        a = parse_xml(server).root
        b = parse_xml(local).root
    except ConfigError as exc:
        if " ".join(server.split()) == " ".join(local.split()):
            return []
        return [f"the configs differ (one is not well-formed XML: {exc})"]
    out: list[str] = []
    _diff_elements(a, b, f"/{a.tag}", out, limit)
    return out[:limit]


def _norm_text(s: str | None) -> str:
    return " ".join((s or "").split())


def _elem_key(el: etree._Element, nth: int) -> str:
    attrs = {k.lower(): v for k, v in el.attrib.items()}
    for a in ("name", "value", "alias"):
        if a in attrs:
            return f'{el.tag}[@{a}="{attrs[a]}"]'
    return f"{el.tag}[{nth}]"


def _keyed_children(el: etree._Element) -> dict[str, etree._Element]:
    out: dict[str, etree._Element] = {}
    counts: dict[str, int] = {}
    for child in el:
        if not isinstance(child.tag, str):
            continue
        counts[child.tag] = counts.get(child.tag, 0) + 1
        key = _elem_key(child, counts[child.tag])
        while key in out:  # duplicate names: keep both
            key += "'"
        out[key] = child
    return out


def _diff_elements(a: etree._Element, b: etree._Element, path: str, out: list[str], limit: int) -> None:
    if len(out) >= limit:
        return
    if a.tag != b.tag:
        out.append(f"{path}: <{a.tag}> on the server, <{b.tag}> in the given config")
        return
    aa = {k.lower(): v for k, v in a.attrib.items()}
    ba = {k.lower(): v for k, v in b.attrib.items()}
    for k in sorted(set(aa) | set(ba)):
        if aa.get(k) != ba.get(k):
            sv = repr(aa[k]) if k in aa else "absent"
            lv = repr(ba[k]) if k in ba else "absent"
            out.append(f"{path}: attribute {k} is {sv} on the server, {lv} in the given config")
    if _norm_text(a.text) != _norm_text(b.text):
        sv, lv = _norm_text(a.text)[:40], _norm_text(b.text)[:40]
        out.append(f"{path}: text {sv!r} on the server, {lv!r} in the given config")
    ac, bc = _keyed_children(a), _keyed_children(b)
    for k in ac:
        if k not in bc:
            out.append(f"{path}/{k}: only on the server")
    for k in bc:
        if k not in ac:
            out.append(f"{path}/{k}: only in the given config")
    common_a = [k for k in ac if k in bc]
    common_b = [k for k in bc if k in ac]
    if common_a != common_b:
        out.append(f"{path}: children in a different order")
    for k in common_a:
        if _norm_text(ac[k].tail) != _norm_text(bc[k].tail):
            out.append(f"{path}: text after {k} differs")
        _diff_elements(ac[k], bc[k], f"{path}/{k}", out, limit)


# --------------------------------------------------------------------------- helpers


def updated_since(stamp: str) -> dict[str, Any]:
    """A Data Manager query for tasks changed after ``stamp`` (ISO-8601, the server's clock).

    A task's ``updated_at`` moves when an annotation of it is created, changed or deleted, and
    when a prediction is added or changed one at a time (checked on 1.23.2); the bulk
    ``/import/predictions`` leaves it alone.
    """
    return {
        "filters": {
            "conjunction": "and",
            "items": [{"filter": "filter:tasks:updated_at", "operator": "greater", "type": "Datetime", "value": stamp}],
        }
    }


def encode_batches(items: Iterable[Mapping[str, Any]], size: int, what: str = "item") -> Iterator[tuple[int, bytes]]:
    """(count, JSON array body) batches of at most ``size`` items and, but for a single big item,
    ``MAX_BATCH_BYTES`` bytes, ready for a bulk request. Each item is serialised once; NaN,
    Infinity and unserialisable values raise with the item's number (``what`` names it)."""
    if size < 1:
        raise ValueError("batch_size must be >= 1")
    parts: list[bytes] = []
    nbytes = 0
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise TypeError(f"{what} {i} is a {type(item).__name__}, not a dict")
        try:
            part = json.dumps(item, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
        except ValueError as exc:  # NaN / Infinity
            raise ValueError(f"{what} {i} cannot be sent as JSON: {exc} (replace NaN/Infinity with None)") from None
        except TypeError as exc:
            raise TypeError(f"{what} {i} cannot be sent as JSON: {exc}") from None
        if parts and (len(parts) >= size or nbytes + len(part) + 1 > MAX_BATCH_BYTES):
            yield len(parts), b"[" + b",".join(parts) + b"]"
            parts, nbytes = [], 0
        parts.append(part)
        nbytes += len(part) + 1
    if parts:
        yield len(parts), b"[" + b",".join(parts) + b"]"


def _result_list(result: Sequence[Mapping[str, Any]]) -> list[Any]:
    if isinstance(result, (str, bytes)) or not isinstance(result, Sequence):
        raise TypeError(f"result must be a list of result dicts, not {type(result).__name__}")
    return list(result)


def _flatten_errors(errors: Mapping[str, Any]) -> str:
    parts = []
    for field, msgs in errors.items():
        text = "; ".join(map(str, msgs)) if isinstance(msgs, list) else str(msgs)
        parts.append(text if field == "non_field_errors" else f"{field}: {text}")
    return "; ".join(parts)


def _normalize_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = "http://" + url
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"Label Studio URL must be http:// or https://, not {url!r}")
    return url


def _connection_reason(exc: Exception, timeout: float) -> str:
    text = str(exc)
    if isinstance(exc, requests.ConnectTimeout):
        return f"connecting timed out after {min(timeout, 10.0):g} s"
    if isinstance(exc, requests.Timeout):
        return f"no answer within {timeout:g} s"
    if "Connection refused" in text or "ECONNREFUSED" in text:
        return "connection refused (nothing is listening there)"
    if any(
        s in text
        for s in (
            "Name or service not known",
            "nodename nor servname",
            "getaddrinfo failed",
            "Temporary failure in name resolution",
            "No address associated",
        )
    ):
        return "host name not found"
    if "RemoteDisconnected" in text or "Connection aborted" in text or "reset by peer" in text:
        return "the server closed the connection without answering"
    return f"{type(exc).__name__}"


def _nblabel_version() -> str:
    try:
        from importlib.metadata import version

        return version("nblabel")
    except Exception:
        return "dev"
