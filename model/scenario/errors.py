"""Errors that reach the user as one clear line (exit code 2 from the CLI), never as a traceback."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or an impossible request, explained in words the user can act on.

    ``problems`` holds one line per problem (for example one per invalid scenario field); ``str()`` joins them.
    """

    def __init__(self, message: str | list[str]) -> None:
        self.problems: list[str] = [message] if isinstance(message, str) else list(message)
        super().__init__("\n".join(self.problems))


class ScenarioError(UserError):
    """A scenario file that cannot be read or does not validate; one problem per line, each with its field path."""


class SolverUnavailableError(UserError):
    """The optimisation solver is not installed; the message says how to install it."""


class InfeasibleError(UserError):
    """An optimisation has no feasible solution; the message names the requirement that cannot be met."""
