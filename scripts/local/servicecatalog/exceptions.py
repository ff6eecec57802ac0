"""Service Catalog error codes, as AWS returns them."""

from moto.core.exceptions import JsonRESTError
from moto.servicecatalog.exceptions import InvalidParametersException, ResourceNotFoundException

__all__ = [
    "DuplicateResourceException",
    "InvalidParametersException",
    "ResourceInUseException",
    "ResourceNotFoundException",
]


class DuplicateResourceException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("DuplicateResourceException", message)


class ResourceInUseException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("ResourceInUseException", message)
