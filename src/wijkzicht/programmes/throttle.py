"""The login throttle: wrong passwords slow down, then lock out, an account and a client address.

After a few free failures every further attempt waits twice as long as the one before (1, 2, 4, … seconds,
at most a minute); after more failures the account or address is locked out for a while. Attempts refused by the throttle are
answered at once, without checking a password, so a flood of them costs neither hashing time nor a write.
Counted in memory, per server process: a refusal needs no database, and a lockout is written to the audit log
by the caller. A successful login clears its account's count.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

LOCKOUT = timedelta(minutes=15)
MAX_BACKOFF = timedelta(minutes=1)
# Beyond this many remembered keys the ones past their lockout window are forgotten (a flood of new names).
_MAX_KEYS = 10_000


@dataclass
class _Count:
    failures: int
    last: datetime


@dataclass
class Throttle:
    """Failures per key; `free` of them cost nothing, at `lock_after` the key is locked out for `lockout`."""

    free: int
    lock_after: int
    lockout: timedelta = LOCKOUT
    _counts: dict[str, _Count] = field(default_factory=dict)
    _locked: dict[str, datetime] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, key: str, now: datetime) -> float:
        """Seconds before an attempt for `key` is heard; 0 when it may go ahead now."""
        with self._lock:
            until = self._locked.get(key)
            if until is not None and until > now:
                return (until - now).total_seconds()
            count = self._current(key, now)
            if count is None or count.failures < self.free:
                return 0.0
            backoff = min(timedelta(seconds=2 ** (count.failures - self.free)), MAX_BACKOFF)
            return max(0.0, (count.last + backoff - now).total_seconds())

    def failed(self, key: str, now: datetime) -> datetime | None:
        """Count a wrong password; the end of the lockout when this failure starts one."""
        with self._lock:
            if len(self._counts) > _MAX_KEYS:
                self._forget_old(now)
            count = self._current(key, now) or _Count(0, now)
            count.failures, count.last = count.failures + 1, now
            self._counts[key] = count
            if count.failures < self.lock_after:
                return None
            del self._counts[key]
            self._locked[key] = now + self.lockout
            return self._locked[key]

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)

    def _current(self, key: str, now: datetime) -> _Count | None:
        """The key's count, forgotten once a lockout period has passed since its last failure."""
        count = self._counts.get(key)
        if count is not None and now - count.last > self.lockout:
            del self._counts[key]
            return None
        return count

    def _forget_old(self, now: datetime) -> None:
        self._counts = {key: c for key, c in self._counts.items() if now - c.last <= self.lockout}
        self._locked = {key: until for key, until in self._locked.items() if until > now}


class Lockout(NamedTuple):
    kind: str  # "account" or "client"
    subject: str  # the account name tried, or the client's address
    failures: int
    until: datetime


@dataclass
class LoginThrottle:
    """One throttle per account name and a looser one per client address (one address may serve several
    people, and may try several names)."""

    accounts: Throttle = field(default_factory=lambda: Throttle(free=3, lock_after=10))
    clients: Throttle = field(default_factory=lambda: Throttle(free=10, lock_after=30))

    def wait(self, username: str, client: str, now: datetime) -> float:
        return max(self.accounts.wait(_account(username), now), self.clients.wait(client, now))

    def failed(self, username: str, client: str, now: datetime) -> list[Lockout]:
        """Count a failure for both; the lockouts it starts."""
        return [
            Lockout(kind, subject, throttle.lock_after, until)
            for kind, subject, throttle in (
                ("account", _account(username), self.accounts),
                ("client", client, self.clients),
            )
            if (until := throttle.failed(subject, now)) is not None
        ]

    def succeeded(self, username: str) -> None:
        self.accounts.succeeded(_account(username))


def _account(username: str) -> str:
    return username.strip().lower()
