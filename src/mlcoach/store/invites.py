"""Invite codes for a team server whose sign-up is invite-only (MLCOACH_SIGNUP=invite).

An admin makes codes with `mlcoach users invite`; each lets one person sign up once before it
expires. Only a hash of each code is stored, so a copy of the database hands out no accounts.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mlcoach.errors import MlcoachError
from mlcoach.store.models import Invite, utcnow

CODE_BYTES = 10  # 16 base32 characters, shown in groups of four
MAX_INVITES = 500
MAX_DAYS = 365


class InviteError(MlcoachError):
    """An invite code that cannot be used: unknown, used or expired."""


def _hash(code: str) -> str:
    clean = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(clean.encode()).hexdigest()


def _new_code() -> str:
    import base64

    raw = base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode().lower()
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def create_invites(
    session: Session,
    count: int = 1,
    *,
    days: int = 14,
    note: str | None = None,
    now: datetime | None = None,
) -> list[tuple[str, datetime]]:
    """``count`` new codes valid for ``days`` days: (code, expiry) pairs; the codes are shown once."""
    if not 1 <= count <= MAX_INVITES:
        raise MlcoachError(f"make 1 to {MAX_INVITES} invites at a time, not {count}")
    if not 1 <= days <= MAX_DAYS:
        raise MlcoachError(f"an invite is valid for 1 to {MAX_DAYS} days, not {days}")
    moment = now or utcnow()
    expires = moment + timedelta(days=days)
    out = []
    for _ in range(count):
        code = _new_code()
        session.add(Invite(code_hash=_hash(code), note=note, created_at=moment, expires_at=expires))
        out.append((code, expires))
    session.flush()
    return out


def redeem_invite(
    session: Session, code: str, user_id: int, *, now: datetime | None = None
) -> None:
    """Mark ``code`` used by ``user_id`` in the caller's transaction, or raise InviteError.

    The update is conditional (not used yet, not expired), so two sign-ups racing for one code
    cannot both have it."""
    moment = now or utcnow()
    if not code.strip():
        raise InviteError("sign-up here is by invitation: enter your invite code")
    result = session.execute(
        update(Invite)
        .where(
            Invite.code_hash == _hash(code),
            Invite.used_at.is_(None),
            Invite.expires_at > moment,
        )
        .values(used_at=moment, used_by=user_id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise InviteError("this invite code is unknown, already used or expired; ask for a new one")


def pending_invites(session: Session, *, now: datetime | None = None) -> list[Invite]:
    moment = now or utcnow()
    return list(
        session.scalars(
            select(Invite)
            .where(Invite.used_at.is_(None), Invite.expires_at > moment)
            .order_by(Invite.created_at)
        )
    )
