"""Suite-wide pytest options, markers and fixtures.

- `--pykerla-platform NAME` (default: PYKERLA_PLATFORM or "auto") is passed to `pykerla run --platform`.
- Marker `pykerla`: the test boots the pykerla kernel. Tests that use the `run_pykerla`
  fixture get it automatically; `pytest -m "not pykerla"` runs only what needs no kernel.
- Fixtures `pykerla_platform` and `initramfs` (the default busybox image, built if missing).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import default_platform, ensure_initramfs


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--pykerla-platform", default=default_platform(),
                     help="platform passed to `pykerla run --platform` (default: $PYKERLA_PLATFORM or auto)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "pykerla: the test runs programs on the pykerla kernel")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "run_pykerla" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.pykerla)


@pytest.fixture(scope="session")
def pykerla_platform(request: pytest.FixtureRequest) -> str:
    return request.config.getoption("--pykerla-platform")


@pytest.fixture(scope="session")
def initramfs() -> Path:
    return ensure_initramfs()
