"""Headless Chromium for the browser tests: Debian's ``chromium``, driven by Playwright.

Playwright's own browser download is not used (nor reachable here): the system's
Chromium is launched by path. Tests skip, saying why, when either is missing.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_path() -> str:
    path = os.environ.get("ENTRAIDE_CHROMIUM") or next(
        (found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))),
        None,
    )
    if path is None:
        pytest.skip("browser tests need Debian's chromium (apt-get install chromium)")
    return path


def playwright():
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.skip("browser tests need Playwright for Python (pip install -e '.[test]')")
    return async_playwright
