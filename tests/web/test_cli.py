"""`mlcoach serve` and `mlcoach worker` refuse what would be unsafe or cannot work, in one line."""

from __future__ import annotations

from tests.conftest import CliRunner


def test_serve_refuses_a_public_address_without_accounts(run_cli: CliRunner) -> None:
    result = run_cli("serve", "--host", "0.0.0.0")
    assert result.returncode == 2
    assert "refusing to listen on 0.0.0.0 without accounts" in result.stderr
    assert "MLCOACH_AUTH=on" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_reports_a_port_in_use(run_cli: CliRunner) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_cli("serve", "--port", str(port))
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is in use" in result.stderr


def test_worker_needs_a_broker(run_cli: CliRunner) -> None:
    result = run_cli("worker")
    assert result.returncode == 2
    assert "MLCOACH_BROKER_URL is not set" in result.stderr
