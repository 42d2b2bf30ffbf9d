"""Accounts and request safety: password hashes, signed session cookies, CSRF tokens, rate limits.

The session is a signed cookie (itsdangerous) holding the user id, the user's session generation
and the CSRF token; the server keeps the generation in the users table, so signing out (which bumps
it) ends every session of that account, a saved cookie included. Rate limits are token buckets per
key (user, account name or address) and action, in this process, or in Redis when a broker is
configured so that several web processes share one budget.

Password hashing (argon2, 64 MiB and ~50 ms of CPU each) runs through a gate that lets at most one
hash per core at a time: 40 sign-ins at once then cost 2 x 64 MiB, not 40 x 64 MiB.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from mlcoach.errors import MlcoachError

SESSION_COOKIE = "mlcoach_session"
SESSION_MAX_AGE = 30 * 24 * 3600
SECRET_KEY_ENV = "MLCOACH_SECRET_KEY"

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 200
RESERVED_NAMES = frozenset({"local", "admin", "root", "system"})

_hasher = PasswordHasher()
# Verified against when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
HASH_SLOTS = max(1, min(4, os.cpu_count() or 1))
HASH_WAIT_SECONDS = 20.0
_hash_gate = threading.BoundedSemaphore(HASH_SLOTS)


class AccountError(MlcoachError):
    """A sign-up or sign-in the user can correct."""


def check_new_account(name: str, password: str, confirm: str | None = None) -> str:
    """The normalised user name, or an AccountError saying what to change."""
    clean = name.strip().lower()
    if not NAME_PATTERN.match(clean):
        raise AccountError(
            "a user name is 3 to 40 characters: lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if clean in RESERVED_NAMES:
        raise AccountError(f"the name {clean!r} is reserved; choose another")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password must have at most {MAX_PASSWORD} characters")
    if confirm is not None and confirm != password:
        raise AccountError("the two passwords differ")
    return clean


class _HashSlot:
    """One of the few password-hashing slots; waits for one, or says the server is busy."""

    def __enter__(self) -> None:
        if not _hash_gate.acquire(timeout=HASH_WAIT_SECONDS):
            raise RateLimited("sign-in", 5)

    def __exit__(self, *exc: object) -> None:
        _hash_gate.release()


def hash_password(password: str) -> str:
    with _HashSlot():
        return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; without a stored hash (unknown name, or an account
    with no password) a dummy hash is checked instead, so that both take the same time."""
    with _HashSlot():
        try:
            ok = _hasher.verify(stored or _DUMMY_HASH, password[:MAX_PASSWORD])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
    return ok and stored is not None


def load_secret_key(data_dir: Path) -> str:
    """The key that signs session cookies: $MLCOACH_SECRET_KEY, else one made once and kept in
    the data folder (readable by its owner only). Web processes on several machines must share
    it: set the variable there."""
    from_env = os.environ.get(SECRET_KEY_ENV)
    if from_env:
        if len(from_env) < 32:
            raise MlcoachError(f"{SECRET_KEY_ENV} must be at least 32 characters long")
        return from_env
    path = data_dir / "secret_key"
    try:
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: when two processes start together, one writes and the other reads its key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    except FileExistsError:
        for _ in range(50):
            key = path.read_text(encoding="ascii").strip()
            if len(key) >= 32:
                return key
            time.sleep(0.02)
        raise MlcoachError(f"the session key file {path} is empty; delete it and restart") from None
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key)
    return key


class SessionCodec:
    """Signs and reads the session cookie's value."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="mlcoach-session")

    def dumps(self, data: dict[str, Any]) -> str:
        return str(self._serializer.dumps(data))

    def loads(self, value: str) -> dict[str, Any] | None:
        try:
            data = self._serializer.loads(value, max_age=SESSION_MAX_AGE)
        except BadSignature:
            return None
        return data if isinstance(data, dict) else None


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


# --- rate limits -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """A token bucket: ``burst`` requests at once, then one every ``per_seconds`` seconds."""

    burst: int
    per_seconds: float


DEFAULT_RATES: dict[str, Rate] = {
    "grade": Rate(burst=20, per_seconds=2.0),
    "judge": Rate(burst=10, per_seconds=6.0),
    "review": Rate(burst=5, per_seconds=60.0),
    # Failed sign-ins per account name: 5, then one a minute (guessing a password is hopeless).
    "sign-in-name": Rate(burst=5, per_seconds=60.0),
    # Sign-ins and sign-ups per client address, whatever the name (a team behind one NAT fits).
    "sign-in-address": Rate(burst=30, per_seconds=2.0),
}


class RateLimited(MlcoachError):
    def __init__(self, action: str, retry_after: float) -> None:
        self.action = action
        self.retry_after = max(1, int(retry_after + 0.999))
        super().__init__(f"too many {action} requests; try again in {self.retry_after} s")


class MemoryRateLimiter:
    """Token buckets in this process."""

    def __init__(self, rates: dict[str, Rate]) -> None:
        self.rates = rates
        self._buckets: dict[tuple[str, int | str], tuple[float, float]] = {}
        self._lock = threading.Lock()

    def hit(self, action: str, key: int | str, cost: int = 1) -> None:
        """Take ``cost`` tokens from the bucket of (action, key), or raise RateLimited when it is
        empty; ``cost=0`` only checks."""
        rate = self.rates.get(action)
        if rate is None:
            return
        now = time.monotonic()
        with self._lock:
            if len(self._buckets) > 100_000:  # forget idle buckets (full again by now)
                self._buckets = {
                    k: v
                    for k, v in self._buckets.items()
                    if now - v[1] < self.rates[k[0]].burst * self.rates[k[0]].per_seconds
                }
            tokens, last = self._buckets.get((action, key), (float(rate.burst), now))
            tokens = min(float(rate.burst), tokens + (now - last) / rate.per_seconds)
            if tokens < 1.0:
                self._buckets[(action, key)] = (tokens, now)
                raise RateLimited(action, (1.0 - tokens) * rate.per_seconds)
            self._buckets[(action, key)] = (tokens - cost, now)


_REDIS_BUCKET = """
local burst = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'last')
local tokens = tonumber(state[1]) or burst
local last = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - last) / per)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'last', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst * per) + 60)
return {allowed, tostring(tokens)}
"""


class RedisRateLimiter:
    """The same buckets in Redis, shared by every web process using the broker."""

    def __init__(self, url: str, rates: dict[str, Rate]) -> None:
        import redis

        self.rates = rates
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._script = self._client.register_script(_REDIS_BUCKET)

    def hit(self, action: str, key: int | str, cost: int = 1) -> None:
        rate = self.rates.get(action)
        if rate is None:
            return
        allowed, tokens = self._script(
            keys=[f"mlcoach:rate:{action}:{key}"],
            args=[rate.burst, rate.per_seconds, time.time(), cost],
        )
        if int(allowed) != 1:
            raise RateLimited(action, (1.0 - float(tokens)) * rate.per_seconds)


class NoRateLimiter:
    """Single-user mode: nobody to share the machine with, so no limits."""

    def hit(self, action: str, key: int | str, cost: int = 1) -> None:
        return None
