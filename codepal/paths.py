"""Where codepal keeps its files, following the XDG base directories (platformdirs)."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_path, user_config_path, user_state_path

APP = "codepal"


def config_file() -> Path:
    """The user's config file, `~/.config/codepal/config.toml` by default."""
    override = os.environ.get("CODEPAL_CONFIG_FILE")
    return Path(override) if override else user_config_path(APP) / "config.toml"


def state_dir() -> Path:
    """Private per-user directory (mode 0700) for the engine state file."""
    override = os.environ.get("CODEPAL_STATE_DIR")
    path = Path(override) if override else user_state_path(APP)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def cache_dir() -> Path:
    """Per-user cache directory (generated markdown for explanations, bench results)."""
    override = os.environ.get("CODEPAL_CACHE_DIR")
    path = Path(override) if override else user_cache_path(APP)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
