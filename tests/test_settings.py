"""Every setting is declared once, parsed strictly, and documented."""

from __future__ import annotations

import re

import pytest

from storage.config import SETTINGS, SettingError, load_config
from tests.conftest import ROOT


def test_defaults_parse():
    config = load_config({})
    assert config.port == 8501
    assert config.workers == 2
    assert config.retention_days == 14
    assert config.data_dir.is_absolute()


def test_bad_value_names_the_variable():
    with pytest.raises(SettingError, match="WORKERS"):
        load_config({"WORKERS": "many"})
    with pytest.raises(SettingError, match="PORT"):
        load_config({"PORT": "0"})


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented(setting):
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    assert re.search(rf"^{setting.name}={re.escape(setting.default)}$", example, re.M), setting.name
    assert f"| `{setting.name}` |" in readme, setting.name


def test_no_setting_is_read_anywhere_else():
    """Only storage/config.py reads the environment (the launcher only passes it on)."""
    offenders = []
    for path in [*ROOT.glob("*.py"), *ROOT.glob("*/*.py")]:
        if path.parts[-2] in {"tests", "bench", ".venv"} or path.name == "config.py":
            continue
        text = path.read_text()
        if "os.environ.get(" in text or "os.getenv(" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_streamlit_server_settings_keep_xsrf_and_the_upload_limit():
    import tomllib

    from run import web_command

    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["server"]["enableXsrfProtection"] is True
    assert settings["server"]["maxUploadSize"] == int(
        next(s.default for s in SETTINGS if s.name == "MAX_UPLOAD_MB")
    )
    assert settings["client"]["showErrorDetails"] == "none"  # no tracebacks in the browser
    command = web_command(load_config({"MAX_UPLOAD_MB": "37"}))
    assert command[command.index("--server.maxUploadSize") + 1] == "37"
    assert "--server.enableXsrfProtection" not in command
