"""Routes Athena requests to our responses class (moto finds this module next to the backend's ``models``)."""

from moto.athena.urls import url_bases

from .responses import AthenaResponse

url_paths = {"{0}/$": AthenaResponse.dispatch}

__all__ = ["url_bases", "url_paths"]
