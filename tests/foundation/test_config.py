from __future__ import annotations

from pathlib import Path

import pytest

from mlcoach.config import load_settings
from mlcoach.errors import ConfigError


def test_defaults_put_a_sqlite_database_in_the_data_folder(tmp_path: Path) -> None:
    settings = load_settings({"MLCOACH_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'mlcoach.db'}"
    assert settings.broker_url is None
    assert settings.deck_dir == tmp_path / "decks"
    assert settings.sources["database_url"].source == "default"
    assert settings.sources["data_dir"].source == "environment (MLCOACH_DATA_DIR)"


def test_without_any_setting_the_data_folder_is_per_user() -> None:
    settings = load_settings({})
    assert settings.sources["data_dir"].source == "default"
    assert "mlcoach" in str(settings.data_dir)


def test_config_file_overrides_defaults_and_environment_overrides_the_file(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        'database_url = "sqlite:////tmp/from-file.db"\nbroker_url = "redis://localhost:6379/0"\n'
    )
    env = {"MLCOACH_DATA_DIR": str(tmp_path), "MLCOACH_BROKER_URL": "redis://elsewhere:6379/1"}
    settings = load_settings(env)
    assert settings.database_url == "sqlite:////tmp/from-file.db"
    assert settings.sources["database_url"].source == f"config file ({tmp_path / 'config.toml'})"
    assert settings.broker_url == "redis://elsewhere:6379/1"
    assert settings.sources["broker_url"].source == "environment (MLCOACH_BROKER_URL)"


def test_an_explicit_config_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a file"):
        load_settings({"MLCOACH_CONFIG": str(tmp_path / "missing.toml")})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("database_url = ", "not valid TOML"),
        ('databse_url = "x"', "unknown key 'databse_url'"),
        ("broker_url = 3", "must be a string"),
    ],
)
def test_a_bad_config_file_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_settings({"MLCOACH_CONFIG": str(path)})
