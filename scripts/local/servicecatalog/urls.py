"""Routes Service Catalog requests to our responses class (moto finds this module next to the
backend's ``models`` module)."""

from moto.servicecatalog.urls import url_bases
from moto.servicecatalog.urls import url_paths as moto_paths

from .responses import ServiceCatalogResponse

url_paths = {**moto_paths, "{0}/$": ServiceCatalogResponse.dispatch}

__all__ = ["url_bases", "url_paths"]
