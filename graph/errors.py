"""ClueGraph's own exceptions. Driver errors are translated in ``graph.db``."""


class GraphError(Exception):
    """Base of every error ClueGraph reports to a person. ``str()`` is one clear line."""

    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        if hint:
            self.hint = hint

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} (hint: {self.hint})" if self.hint else base


class NotFound(GraphError):
    """The thing asked for does not exist."""


class InvalidInput(GraphError):
    """Input refused as invalid (the message names what and why)."""


class QueryTimeout(GraphError):
    """A query ran past its time limit and was cancelled."""


class NotReadOnly(InvalidInput):
    """A query meant to be read-only would write or administer."""


class ServiceUnavailable(GraphError):
    """Neo4j cannot be reached."""


class AuthFailed(GraphError):
    """Neo4j refused the credentials."""


class ServerError(GraphError):
    """The local Neo4j server could not be fetched, started or stopped."""


class Forbidden(GraphError):
    """The user's role does not allow this action."""
