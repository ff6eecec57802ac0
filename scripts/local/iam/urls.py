"""Routes IAM requests to our responses class (moto finds this module next to the backend's ``models``
module)."""

from moto.iam.urls import url_bases

from .responses import IamResponse

url_paths = {"{0}/$": IamResponse.dispatch}

__all__ = ["url_bases", "url_paths"]
