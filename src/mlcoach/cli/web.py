"""`mlcoach serve` (the web app) and `mlcoach worker` (a Celery worker for judging and reviewing)."""

from __future__ import annotations

import ipaddress
import os
import socket
import sys

import typer

from mlcoach.cli.context import ctx
from mlcoach.cli.output import console
from mlcoach.errors import MlcoachError


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        if exc.errno in (98, 48):  # EADDRINUSE on Linux, macOS
            raise MlcoachError(
                f"port {port} on {host} is in use; choose another with --port"
            ) from None
        raise MlcoachError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    # Accepted connections inherit this; without it a keep-alive client waits on delayed ACKs
    # (40 ms a response) because the headers and the body go out in separate writes.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(
        8000, "--port", "-p", min=0, max=65535, help="Port (0: any free one)."
    ),
    access_log: bool = typer.Option(False, "--access-log", help="Log every request."),
) -> None:
    """Start the web app (practice, problems, reviews, history) and print its URL."""
    settings = ctx.settings
    if not settings.auth and not _is_loopback(host):
        raise MlcoachError(
            f"refusing to listen on {host} without accounts: anyone who can reach this machine "
            "would see and change your data. Serve on 127.0.0.1 (the default), or turn on team "
            "mode with accounts: MLCOACH_AUTH=on mlcoach serve --host " + host
        )
    import uvicorn

    from mlcoach.web import create_app

    app = create_app(settings, catalog=ctx.catalog)
    sock = _bind(host, port)
    bound_port = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    url = f"http://{shown_host}:{bound_port}/"
    jobs = "Celery workers" if settings.broker_url else "in-process jobs"
    mode = "team mode (accounts on)" if settings.auth else "single user"
    console.print(
        f"mlcoach is running at [bold cyan]{url}[/]  ({mode}, {jobs}; Ctrl-C stops it)",
        soft_wrap=True,
    )
    console.print(f"database: {ctx.database.display_url}", style="dim")
    sys.stdout.flush()
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=access_log,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        timeout_graceful_shutdown=5,
    )
    if access_log:
        # uvicorn sets its access logger to the log level above (warning), which would hide every
        # request line: --access-log means one INFO line per request, on stderr.
        import logging

        logging.getLogger("uvicorn.access").setLevel(logging.INFO)
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


def worker(
    concurrency: int = typer.Option(
        0, "--concurrency", "-c", min=0, help="Jobs run at once (0: one per CPU core)."
    ),
    name: str | None = typer.Option(
        None, "--name", "-n", help="Worker name (default: worker<pid>@<host>), shown on each job."
    ),
    pool: str = typer.Option("prefork", "--pool", help="prefork, threads or solo."),
    loglevel: str = typer.Option("INFO", "--loglevel", "-l", help="Celery log level."),
) -> None:
    """Start a Celery worker that runs judging and review jobs (needs MLCOACH_BROKER_URL)."""
    settings = ctx.settings
    if not settings.broker_url:
        raise MlcoachError(
            "MLCOACH_BROKER_URL is not set: without a broker, jobs run inside `mlcoach serve`. "
            "Set it to a Redis URL (redis://HOST:6379/0) here and for `mlcoach serve`."
        )
    if pool not in ("prefork", "threads", "solo"):
        raise MlcoachError(f"unknown pool {pool!r}; choose prefork, threads or solo")
    _ = ctx.database  # migrate and check the database before taking any job
    from mlcoach.jobs.celery_app import run_worker

    worker_name = name or f"worker{os.getpid()}@{socket.gethostname()}"
    console.print(
        f"mlcoach worker {worker_name}: taking jobs from {_redacted(settings.broker_url)}, "
        f"writing results to {ctx.database.display_url}",
    )
    sys.stdout.flush()
    run_worker(
        settings.broker_url,
        name=worker_name,
        concurrency=concurrency or (os.cpu_count() or 1),
        pool=pool,
        loglevel=loglevel,
    )


def _redacted(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        return urlunsplit(parts._replace(netloc=parts.netloc.replace(parts.password, "***", 1)))
    return url


users_app = typer.Typer(help="Team-mode accounts: invite codes for sign-up.", no_args_is_help=True)


@users_app.command("invite")
def users_invite(
    count: int = typer.Option(1, "--count", "-n", min=1, help="How many codes to make."),
    days: int = typer.Option(14, "--days", min=1, help="Days each code stays valid."),
    note: str | None = typer.Option(None, "--note", help="Whom the codes are for (kept)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Make invite codes for sign-up when MLCOACH_SIGNUP=invite; each works once."""
    from mlcoach.cli.output import print_json
    from mlcoach.store.invites import create_invites

    with ctx.database.session() as session:
        made = create_invites(session, count, days=days, note=note)
    if as_json:
        print_json([{"code": code, "expires_at": exp.isoformat()} for code, exp in made])
        return
    for code, _ in made:
        console.print(code, soft_wrap=True)
    expiry = made[0][1].strftime("%Y-%m-%d %H:%M UTC")
    console.print(f"{len(made)} invite code(s), each valid once until {expiry}.", style="dim")
    if ctx.settings.signup != "invite":
        console.print(
            f"note: sign-up is {ctx.settings.signup!r} now; set MLCOACH_SIGNUP=invite for the "
            "codes to be asked for",
            style="yellow",
        )


@users_app.command("invites")
def users_invites(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Invite codes not used yet and not expired (the codes themselves are not stored)."""
    from mlcoach.cli.output import print_json
    from mlcoach.store.invites import pending_invites

    with ctx.database.session() as session:
        rows = [(r.id, r.note, r.created_at, r.expires_at) for r in pending_invites(session)]
    if as_json:
        print_json(
            [
                {"id": i, "note": n, "created_at": c.isoformat(), "expires_at": e.isoformat()}
                for i, n, c, e in rows
            ]
        )
        return
    if not rows:
        console.print("no pending invites")
    for i, n, c, e in rows:
        console.print(f"#{i}  made {c:%Y-%m-%d}, expires {e:%Y-%m-%d}  {n or ''}")
