"""The errors mkroot reports: one line for the user, and the exit status the CLI returns."""

from __future__ import annotations

EXIT_FAILURE = 1  # the build itself failed (apt, dpkg-deb, network, disk)
EXIT_USAGE = 2  # the request is wrong (unknown package, bad output path)


class MkrootError(RuntimeError):
    """A build failure; `status` is the exit status for the command line."""

    def __init__(self, message: str, status: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.status = status


class NoSuchPackage(MkrootError):
    """A requested package (or a dependency) is neither a real nor a virtual package."""

    def __init__(self, name: str, wanted_by: str | None = None) -> None:
        detail = f" (needed by {wanted_by})" if wanted_by else ""
        super().__init__(f"no such Debian package: {name}{detail}", EXIT_USAGE)
        self.name = name
