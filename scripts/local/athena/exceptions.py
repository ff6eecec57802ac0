from moto.core.exceptions import JsonRESTError


class InvalidRequestException(JsonRESTError):
    """Athena's error for a request it refuses (HTTP 400)."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidRequestException", message)
