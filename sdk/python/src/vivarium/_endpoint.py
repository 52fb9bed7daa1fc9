"""Where the service is and which token to send (same rules as ApiClient::localEndpoint)."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

DEFAULT_URL = "ws://127.0.0.1:8270"


def runtime_dir() -> Path:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime)
    return Path(f"/tmp/runtime-{pwd.getpwuid(os.getuid()).pw_name}")


def config_dir() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME")
    return Path(config) if config else Path.home() / ".config"


def resolve_url(url: str | None = None) -> str:
    """``url``, else ``$VIVARIUM_URL``, else the local service's endpoint file, else the
    default port."""
    if url:
        return url
    url = os.environ.get("VIVARIUM_URL")
    if url:
        return url
    try:
        text = (runtime_dir() / "vivarium" / "endpoint").read_text().strip()
        if text:
            return text
    except OSError:
        pass
    return DEFAULT_URL


def resolve_token(token: str | None = None) -> str | None:
    """``token``, else ``$VIVARIUM_TOKEN``, else ``$XDG_CONFIG_HOME/vivarium/token``; None
    when there is none (the service will refuse the connection)."""
    if token:
        return token
    token = os.environ.get("VIVARIUM_TOKEN")
    if token:
        return token.strip()
    try:
        text = (config_dir() / "vivarium" / "token").read_text().strip()
        return text or None
    except OSError:
        return None
