"""Settings in force, and where each one came from.

Precedence, lowest first: built-in defaults, the config file, environment variables. The config file
is TOML (``config.toml`` in the data folder, or the path in ``MLCOACH_CONFIG``) with the same keys as
the environment variables without their ``MLCOACH_`` prefix, in lower case.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from mlcoach.errors import ConfigError

ENV_PREFIX = "MLCOACH_"
SIGNUP_MODES = ("open", "closed", "invite")
# How answers are graded: the embedding model when installed (auto), only it, or word overlap.
GRADERS = ("auto", "semantic", "lexical")


@dataclass(frozen=True)
class Setting:
    """One value in force, with the place it was taken from."""

    name: str
    value: str | None
    source: str
    description: str


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    broker_url: str | None
    deck_dir: Path
    config_file: Path | None
    sources: dict[str, Setting]
    # Team mode: accounts with sign-in; off means one local user and a server on loopback only.
    auth: bool = False
    # Team mode: who may create an account (open, closed, or invite: with a code an admin made).
    signup: str = "open"
    # The code judge's sandbox: "bubblewrap" (required) or "none" (explicit opt-out, single-user only).
    judge_sandbox: str = "bubblewrap"
    # How answers are graded: one of GRADERS, in the CLI, the web app and mock interviews alike.
    grader: str = "auto"

    @property
    def uses_default_database(self) -> bool:
        return self.sources["database_url"].source == "default"


_DESCRIPTIONS = {
    "data_dir": "folder for the database, decks and reports",
    "database_url": "SQLAlchemy URL of the database",
    "broker_url": "Redis URL for Celery workers (none: jobs run in-process)",
    "deck_dir": "folder with the user's own decks",
    "auth": "on: accounts and sign-in for a team server; off: one local user, loopback only",
    "signup": "team mode: open (anyone may sign up), closed, or invite (`mlcoach users invite`)",
    "judge_sandbox": "bubblewrap (required), or none: run submissions unsandboxed, single-user only",
    "grader": "how answers are graded: auto (meaning when the model is installed), semantic or lexical",
}


def _read_config_file(path: Path) -> dict[str, str]:
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    unknown = sorted(set(raw) - set(_DESCRIPTIONS))
    if unknown:
        known = ", ".join(sorted(_DESCRIPTIONS))
        raise ConfigError(f"config file {path}: unknown key {unknown[0]!r} (known keys: {known})")
    values: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(value, str):
            raise ConfigError(f"config file {path}: {key} must be a string")
        values[key] = value
    return values


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Resolve the settings from defaults, the config file and the environment."""
    env = os.environ if environ is None else environ

    def from_env(key: str) -> str | None:
        value = env.get(ENV_PREFIX + key.upper())
        return value if value else None

    sources: dict[str, Setting] = {}

    def pick(
        key: str, default: str | None, file_values: Mapping[str, str], file_label: str
    ) -> str | None:
        env_value = from_env(key)
        value: str | None
        if env_value is not None:
            value, source = env_value, f"environment ({ENV_PREFIX}{key.upper()})"
        elif key in file_values:
            value, source = file_values[key], file_label
        else:
            value, source = default, "default"
        sources[key] = Setting(key, value, source, _DESCRIPTIONS[key])
        return value

    default_data_dir = platformdirs.user_data_dir("mlcoach", appauthor=False)
    data_dir = Path(pick("data_dir", default_data_dir, {}, "") or default_data_dir).expanduser()

    explicit_config = env.get(ENV_PREFIX + "CONFIG")
    config_file = (
        Path(explicit_config).expanduser() if explicit_config else data_dir / "config.toml"
    )
    file_values: dict[str, str] = {}
    if explicit_config and not config_file.is_file():
        raise ConfigError(f"{ENV_PREFIX}CONFIG names {config_file}, which is not a file")
    if config_file.is_file():
        file_values = _read_config_file(config_file)
        if "data_dir" in file_values and from_env("data_dir") is None:
            data_dir = Path(file_values["data_dir"]).expanduser()
            sources["data_dir"] = Setting(
                "data_dir", str(data_dir), f"config file ({config_file})", _DESCRIPTIONS["data_dir"]
            )
    file_label = f"config file ({config_file})"

    database_url = pick(
        "database_url", f"sqlite:///{data_dir / 'mlcoach.db'}", file_values, file_label
    )
    assert database_url is not None
    broker_url = pick("broker_url", None, file_values, file_label)
    deck_value = pick("deck_dir", str(data_dir / "decks"), file_values, file_label)
    assert deck_value is not None
    auth = _on_off("auth", pick("auth", "off", file_values, file_label) or "off", sources)
    signup = (pick("signup", "open", file_values, file_label) or "open").strip().lower()
    if signup not in SIGNUP_MODES:
        raise ConfigError(
            f"signup is {sources['signup'].value!r} (from {sources['signup'].source}); "
            f"use {', '.join(SIGNUP_MODES)}"
        )
    judge_sandbox = (pick("judge_sandbox", "bubblewrap", file_values, file_label) or "").lower()
    if judge_sandbox not in ("bubblewrap", "none"):
        raise ConfigError(
            f"judge_sandbox is {sources['judge_sandbox'].value!r} "
            f"(from {sources['judge_sandbox'].source}); use bubblewrap or none"
        )
    grader = (pick("grader", "auto", file_values, file_label) or "").strip().lower()
    if grader not in GRADERS:
        raise ConfigError(
            f"grader is {sources['grader'].value!r} (from {sources['grader'].source}); "
            f"use {', '.join(GRADERS)}"
        )

    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        broker_url=broker_url,
        deck_dir=Path(deck_value).expanduser(),
        config_file=config_file if config_file.is_file() else None,
        sources=sources,
        auth=auth,
        signup=signup,
        judge_sandbox=judge_sandbox,
        grader=grader,
    )


def _on_off(key: str, value: str, sources: Mapping[str, Setting]) -> bool:
    word = value.strip().lower()
    if word in ("on", "true", "yes", "1"):
        return True
    if word in ("off", "false", "no", "0"):
        return False
    raise ConfigError(f"{key} is {value!r} (from {sources[key].source}); use on or off")
