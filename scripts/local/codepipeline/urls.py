"""Routes CodePipeline requests to our responses class (moto finds this module next to the backend's
``models`` module)."""

from moto.codepipeline.urls import url_bases

from .responses import CodePipelineResponse

url_paths = {"{0}/$": CodePipelineResponse.dispatch}

__all__ = ["url_bases", "url_paths"]
