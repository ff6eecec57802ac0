"""Loading this project's extensions into moto, in the process that serves it.

moto builds a service's backend from ``BackendDict.backend`` the first time an account touches it,
and finds CloudFormation handlers among the direct subclasses of ``CloudFormationModel`` (cached with
``lru_cache``). Installing an extension therefore means: point the service's BackendDict at our
subclass, import our handler modules, and clear those caches.
"""

from __future__ import annotations

import importlib

from moto.core.base_backend import BackendDict

_SERVICES = {
    "servicecatalog": "servicecatalog_backends",
    "codecommit": "codecommit_backends",
    "iam": "iam_backends",
    "sagemaker": "sagemaker_backends",
    "athena": "athena_backends",
    "awslambda": "lambda_backends",
    "codebuild": "codebuild_backends",
    "codepipeline": "codepipeline_backends",
}
"""Services whose moto backend (``moto.<name>.models.<backends>``) we replace with a subclass
(``scripts.local.<name>.models.Backend``)."""

_HANDLER_MODULES = (
    "scripts.local.servicecatalog.models",
    "scripts.local.codecommit.models",
    "scripts.local.resources",
)
"""Modules defining CloudFormation handlers for the resource types moto has none for."""

_installed = False


def install() -> None:
    """Install every extension once; safe to call again."""
    global _installed
    if _installed:
        return
    from scripts.local import patches

    for service, backends in _SERVICES.items():
        ours = importlib.import_module(f"scripts.local.{service}.models")
        replace_backend(getattr(importlib.import_module(f"moto.{service}.models"), backends), ours)
    for module in _HANDLER_MODULES:
        importlib.import_module(module)
    patches.apply()
    refresh_cloudformation_handlers()
    _installed = True


def replace_backend(backends: BackendDict, models_module) -> None:
    """Make every account's backend for the service an instance of ``models_module.Backend``.

    moto derives the URL module from the backend class's module, so ``scripts.local.<service>.urls``
    routes requests to our responses class."""
    backends.backend = models_module.Backend
    backends.clear()


def refresh_cloudformation_handlers() -> None:
    from moto.cloudformation import parsing

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
