"""Lambda's routes, moto's own (moto finds this module next to the backend's ``models``)."""

from moto.awslambda.urls import url_bases, url_paths

__all__ = ["url_bases", "url_paths"]
