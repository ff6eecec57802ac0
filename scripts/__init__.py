"""Tooling of the kit: package, deploy and destroy the SageMaker project template.

Each job is one module run as ``python -m scripts.<job>``; the Makefile is the user interface.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
