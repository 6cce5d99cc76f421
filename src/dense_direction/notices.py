"""The category of the warnings this package gives its users.

They speak to the person running a command (an image's EXIF rotation, its pixels without a
value, masks without structure), so the command line prints them as one line that names the
command (:mod:`dense_direction.cli.main`). Recognised by category, not by the file that
warned: an image read in a worker thread warns from ``concurrent/futures/thread.py``.
"""

from __future__ import annotations

__all__ = ["DenseDirectionWarning"]


class DenseDirectionWarning(UserWarning):
    """A warning of Dense Direction (filter it with ``warnings.simplefilter(..., this)``)."""
