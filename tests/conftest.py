"""Suite-wide pytest options, markers and fixtures.

- `--pykerla-platform NAME` (default: PYKERLA_PLATFORM or "auto") is passed to `pykerla run --platform`;
  "all" runs every pykerla test once per platform (kvm and unicorn); the KVM half is then
  skipped, with the reason printed, on a host without a usable /dev/kvm.
- Marker `pykerla`: the test boots the pykerla kernel. Tests that use the `run_pykerla`
  fixture get it automatically; `pytest -m "not pykerla"` runs only what needs no kernel.
- Fixtures `pykerla_platform` and `initramfs` (the default busybox image, built if missing).
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from harness import ALL_PLATFORMS, default_platform, ensure_initramfs


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--pykerla-platform", default=default_platform(),
                     help="platform passed to `pykerla run --platform`, or all = each of "
                          f"{', '.join(ALL_PLATFORMS)} (default: $PYKERLA_PLATFORM or auto)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "pykerla: the test runs programs on the pykerla kernel")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "run_pykerla" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.pykerla)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "pykerla_platform" in metafunc.fixturenames:
        choice = metafunc.config.getoption("--pykerla-platform")
        platforms = list(ALL_PLATFORMS) if choice == "all" else [choice]
        metafunc.parametrize("pykerla_platform", platforms, indirect=True, scope="session")


@functools.cache
def kvm_unusable_reason() -> str | None:
    """Why KVM cannot run guests here (None when its start-up self-test passes)."""
    from pykerla.platform.base import PlatformError
    from pykerla.platform.kvm import KvmPlatform
    try:
        KvmPlatform(32 << 20).new_vcpu()
    except PlatformError as e:
        return str(e)
    return None


@pytest.fixture(scope="session")
def pykerla_platform(request: pytest.FixtureRequest) -> str:
    name = request.param
    if name == "kvm" and (reason := kvm_unusable_reason()) is not None:
        pytest.skip(f"KVM half skipped: {reason}")
    return name


@pytest.fixture(scope="session")
def initramfs() -> Path:
    return ensure_initramfs()
