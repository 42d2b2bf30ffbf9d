"""Team-mode accounts: sign-in (rate-limited, same time for unknown names), sign-up (open, closed
or by invite), and signing out on the server. Pages and the API call these; they differ only in
how they answer."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from mlcoach.store.models import User
from mlcoach.web.security import AccountError, check_new_account, hash_password, verify_password
from mlcoach.web.state import Web

WRONG = "wrong name or password"


def sign_in(web: Web, name: str, password: str, address: str) -> User:
    """The user with this name and password, or AccountError. Raises RateLimited (429) after too
    many failures for the name, or too many attempts from the address."""
    clean = name.strip().lower()[:120]
    web.limiter.hit("sign-in-address", address)
    web.limiter.hit("sign-in-name", clean, cost=0)  # refuse before spending a hash on it
    with web.database.session() as session:
        user = session.scalars(select(User).where(User.name == clean)).one_or_none()
        if user is not None:
            session.expunge(user)
    # Always one argon2 verification (a dummy hash for unknown names): the answer's timing does
    # not tell which names exist.
    if not verify_password(user.password_hash if user else None, password) or user is None:
        web.limiter.hit("sign-in-name", clean)
        raise AccountError(WRONG)
    return user


def sign_up(
    web: Web, name: str, password: str, address: str, *, confirm: str | None, invite: str | None
) -> int:
    """A new account's id, or AccountError (name taken, closed sign-up, bad invite code)."""
    from mlcoach.store.invites import InviteError, redeem_invite

    mode = web.settings.signup
    if mode == "closed":
        raise AccountError("sign-up is closed on this server; ask its admin for an account")
    web.limiter.hit("sign-in-address", address)
    clean = check_new_account(name, password, confirm)
    with web.database.session() as session:  # a taken name costs no hash
        if session.scalars(select(User.id).where(User.name == clean)).first() is not None:
            raise AccountError(f"the name {clean!r} is taken; choose another")
    hashed = hash_password(password)
    try:
        with web.database.session() as session:
            if session.scalars(select(User.id).where(User.name == clean)).first() is not None:
                raise AccountError(f"the name {clean!r} is taken; choose another")
            user = User(name=clean, password_hash=hashed)
            session.add(user)
            session.flush()
            if mode == "invite":
                try:
                    redeem_invite(session, invite or "", user.id)
                except InviteError as exc:
                    raise AccountError(str(exc)) from None
            return user.id
    except IntegrityError:
        raise AccountError(f"the name {clean!r} is taken; choose another") from None


def end_sessions(web: Web, user_id: int) -> None:
    """Sign the user out everywhere: every cookie issued so far stops working on the server."""
    with web.database.session() as session:
        session.execute(
            update(User)
            .where(User.id == user_id)
            .values(session_generation=User.session_generation + 1)
        )


def client_address(scope_client: tuple[str, int] | None) -> str:
    return scope_client[0] if scope_client else "unknown"
