"""Errors a user can act on.

Library code raises these with one sentence that says what is wrong and what to do;
the CLI prints that sentence and exits non-zero (never a traceback). Anything else that
escapes is a bug.
"""

from __future__ import annotations


class RunformError(Exception):
    """Base class: the message is shown to the user as is."""

    exit_code = 2


class InputError(RunformError):
    """The input file or its contents cannot be used (missing, malformed, wrong kind)."""


class AnalysisError(RunformError):
    """The input was read but cannot give trustworthy results (too few steps, no runner...)."""

    exit_code = 3


class OptionError(RunformError):
    """A command-line or API option has an invalid value."""
