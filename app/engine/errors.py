"""Exceptions the engine raises to its callers."""


class EngineError(ValueError):
    """Bad input or an impossible request, with a message naming what and where."""


class Cancelled(Exception):
    """The caller's `should_cancel()` returned True; the run stopped at the next check."""
