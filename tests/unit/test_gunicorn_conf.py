"""gunicorn.conf.py hides the loaded app's objects from the garbage collector before each fork."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_pre_fork_freezes_what_the_parent_has_loaded():
    settings = runpy.run_path(str(CONF))
    assert settings["preload_app"] is True  # the app is loaded in the parent, then forked
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        settings["pre_fork"](None, None)
        assert gc.get_freeze_count() > 10_000  # the interpreter, the portal and its libraries
    finally:
        gc.unfreeze()
