"""Routes CodeCommit requests to our responses class (moto finds this module next to the backend's
``models`` module)."""

from moto.codecommit.urls import url_bases
from moto.codecommit.urls import url_paths as moto_paths

from .responses import CodeCommitResponse

url_paths = {**moto_paths, "{0}/$": CodeCommitResponse.dispatch}

__all__ = ["url_bases", "url_paths"]
