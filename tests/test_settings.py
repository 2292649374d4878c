"""The settings file (nieuwsradar.toml) and its environment overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from nieuwsradar.cli import main
from nieuwsradar.config import Settings, mail_problems, parse_schedule, smtp_port
from nieuwsradar.errors import ConfigError

GOOD = """# M150
db = "radar.db"
smtp_host = "smtp.office365.com"
smtp_security = "starttls"
smtp_user = "radar@m150.nl"
mail_from = "M150 Nieuwsradar <radar@m150.nl>"
base_url = "https://radar.m150.nl/"
secret_key = "0123456789abcdef0123"
send_rate = 30
digest_schedule = "maandag 07:00"
"""


def test_file_values_are_read_and_environment_wins(tmp_path: Path) -> None:
    path = tmp_path / "nieuwsradar.toml"
    path.write_text(GOOD)
    settings = Settings.from_env({"NIEUWSRADAR_CONFIG": str(path),
                                  "NIEUWSRADAR_SMTP_HOST": "mail.local",
                                  "NIEUWSRADAR_SEND_RATE": "10"})
    assert settings.config == path
    assert settings.db == tmp_path / "radar.db"  # relative to the settings file
    assert settings.smtp_host == "mail.local"
    assert settings.send_rate == 10
    assert settings.base_url == "https://radar.m150.nl"
    assert smtp_port(settings) == 587
    assert mail_problems(settings) == []
    assert parse_schedule(settings.digest_schedule) == ("mon", 7, 0)


@pytest.mark.parametrize(("text", "line", "words"), [
    ('smtp_host = "x"\nsmtp_port = "veel"\n', 2, "[smtp_port]: expected a whole number"),
    ('\nsmtp_security = "ssl"\n', 2, "use one of none, starttls, tls"),
    ('mail_from = "Radar zonder adres"\n', 1, "[mail_from]: expected an e-mail address"),
    ('base_url = "radar.nl"\n', 1, "https://radar.example.nl"),
    ('digest_schedule = "maandag om zeven"\n', 1, "'ma 07:00'"),
    ('timezone = "Europe/Amsterdamm"\n', 1, "unknown time zone"),
    ('secret_key = "kort"\n', 1, "secrets.token_urlsafe(32)"),
    ('\n\nsmpt_host = "x"\n', 3, "unknown setting 'smpt_host'"),
    ('send_rate = -1\n', 1, "between 0 and 100000"),
    ('dkim_selector = "radar"\n', 1, "needs all three"),
])
def test_bad_file_value_names_file_line_setting_and_fix(
        tmp_path: Path, text: str, line: int, words: str) -> None:
    path = tmp_path / "nieuwsradar.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        Settings.from_env({}, config=path)
    message = str(err.value)
    assert words in message
    if "needs all three" not in words:
        assert message.startswith(f"{path}:{line} [")


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"\[NIEUWSRADAR_SMTP_SECURITY\]: use one of"):
        Settings.from_env({"NIEUWSRADAR_SMTP_SECURITY": "ssl"})
    with pytest.raises(ConfigError, match=r"\[NIEUWSRADAR_SMTP_PORT\]: expected a whole"):
        Settings.from_env({"NIEUWSRADAR_SMTP_PORT": "smtp"})


@pytest.mark.parametrize(("name", "default", "good", "bad", "message"), [
    ("lease_s", 900, 60, 0, "lease_s must be between 1 and 86400"),
    ("web_concurrency", 0, 3, -1, "web_concurrency must be between 0"),  # 0: one per CPU
])
def test_whole_number_settings_come_from_env_and_file_within_bounds(
        tmp_path: Path, name: str, default: int, good: int, bad: int, message: str) -> None:
    variable = f"NIEUWSRADAR_{name.upper()}"
    assert getattr(Settings.from_env({}), name) == default
    assert getattr(Settings.from_env({variable: str(good + 1)}), name) == good + 1
    path = tmp_path / "nieuwsradar.toml"
    path.write_text(f"{name} = {good}\n")
    assert getattr(Settings.from_env({}, config=path), name) == good
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({variable: str(bad)})


def test_missing_named_file_and_missing_secret_key_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="settings file not found"):
        Settings.from_env({"NIEUWSRADAR_CONFIG": str(tmp_path / "nergens.toml")})
    problems = mail_problems(Settings.from_env({}))
    assert any("NIEUWSRADAR_SECRET_KEY" in p and "token_urlsafe" in p for p in problems)
    assert any("NIEUWSRADAR_MAIL_FROM" in p for p in problems)


def test_cli_config_option_reaches_the_facade(tmp_path: Path) -> None:
    path = tmp_path / "instellingen.toml"
    path.write_text('smtp_port = "x"\n')
    result = CliRunner().invoke(main, ["--config", str(path), "members", "list"])
    assert result.exit_code == 1
    assert f"{path}:1 [smtp_port]" in result.output
