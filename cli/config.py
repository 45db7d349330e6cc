"""Where the client finds its server and token, and where it keeps what it must remember.

Order, first found wins: the `--url` option, then `SLUICE_URL` / `SLUICE_TOKEN`, then
`~/.config/sluice/config.toml` (`url = "…"`, `token = "…"`), then the local stack.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_URL = "http://localhost:8000"


class ConfigError(Exception):
    """The configuration file cannot be read; the message says which file and why."""


@dataclass(frozen=True, slots=True)
class ClientConfig:
    url: str
    token: str | None
    state_dir: Path  # remembered upload sessions (to resume an interrupted upload)


def _xdg(variable: str, fallback: str) -> Path:
    value = os.environ.get(variable)
    return Path(value) if value else Path.home() / fallback


def config_file() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config") / "sluice" / "config.toml"


def _read_file(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}). Fix or remove it.") from exc


def load(url: str | None = None) -> ClientConfig:
    from_file = _read_file(config_file())
    chosen_url = url or os.environ.get("SLUICE_URL") or from_file.get("url") or DEFAULT_URL
    token = os.environ.get("SLUICE_TOKEN") or from_file.get("token") or None
    return ClientConfig(
        url=str(chosen_url).rstrip("/"),
        token=str(token) if token else None,
        state_dir=_xdg("XDG_STATE_HOME", ".local/state") / "sluice",
    )
