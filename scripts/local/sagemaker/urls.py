"""Routes SageMaker requests, and featurestore-runtime's (signed ``sagemaker``, so moto's server hands them
to this service), to our responses classes (moto finds this module next to the backend's ``models``)."""

from moto.sagemaker.urls import url_bases as moto_bases

from .responses import FeatureStoreRuntimeResponse, SageMakerResponse

url_bases = [*moto_bases, r"https?://featurestore-runtime\.sagemaker\.(.+)\.amazonaws\.com"]

url_paths = {
    "{0}/$": SageMakerResponse.dispatch,
    "{0}/FeatureGroup/(?P<FeatureGroupName>[^/]+)$": FeatureStoreRuntimeResponse.dispatch,
    "{0}/BatchGetRecord$": FeatureStoreRuntimeResponse.dispatch,
}

__all__ = ["url_bases", "url_paths"]
