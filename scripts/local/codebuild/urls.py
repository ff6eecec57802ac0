"""CodeBuild's routes, to our responses class (moto finds this module next to the backend's ``models``)."""

from moto.codebuild.urls import url_bases

from .responses import CodeBuildResponse

url_paths = {"{0}/$": CodeBuildResponse.dispatch}

__all__ = ["url_bases", "url_paths"]
