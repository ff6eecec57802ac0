# The user interface of the kit. Every target that needs Python depends on the virtual environment,
# so no separate install step is ever required. `make help` lists targets and variables.

PYTHON ?= python3
VENV := .venv
VENV_CHECKOV := .venv-checkov
PY := $(VENV)/bin/python

# Variables passed to the tooling (each one documented in `make help`; empty means "work it out").
export REGION ?=
export CFN_BUCKET_NAME ?=
export S3_PREFIX ?= sagemaker-fs-ingestion
export STACK_NAME ?= sagemaker-fs-ingestion-portfolio
export EXECUTION_ROLE_ARN ?=
export LAUNCH_ROLE ?= service-role/AmazonSageMakerServiceCatalogProductsLaunchRole
export REPLACE_FAILED_STACK ?=
export DELETE_PROJECT_BUCKETS ?=
export DELETE_STAGING ?=

.DEFAULT_GOAL := help
.PHONY: help install lint package deploy destroy test clean

help: ## Show targets and variables
	@echo "Targets:"
	@awk -F ':.*## ' '/^[a-z-]+:.*## / { printf "  %-10s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@echo
	@echo "Variables (make VAR=value target, or export them):"
	@echo "  PYTHON                 Python 3.11 interpreter used to create .venv (now: $(PYTHON))"
	@echo "  REGION                 AWS region to publish to (default: AWS_REGION, then your AWS config)"
	@echo "  CFN_BUCKET_NAME        staging bucket for templates and seed code"
	@echo "                         (default: sagemaker-project-templates-<account>-<region>, created if missing)"
	@echo "  S3_PREFIX              key prefix in the staging bucket (now: $(S3_PREFIX))"
	@echo "  STACK_NAME             CloudFormation stack of the portfolio (now: $(STACK_NAME))"
	@echo "  EXECUTION_ROLE_ARN     SageMaker execution role granted the portfolio"
	@echo "                         (default: the Studio domain's default execution role)"
	@echo "  LAUNCH_ROLE            role Service Catalog launches the product with, path/name"
	@echo "                         (now: $(LAUNCH_ROLE))"
	@echo "  REPLACE_FAILED_STACK   1: delete a stack left in ROLLBACK_COMPLETE and create it again"
	@echo "  DELETE_PROJECT_BUCKETS 1: destroy also empties and deletes buckets retained by projects"
	@echo "  DELETE_STAGING         1: destroy also deletes everything under S3_PREFIX in the staging bucket"

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	@echo "Creating $(VENV) from pinned versions (about a minute, once)"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	touch $@

$(VENV_CHECKOV)/.installed: requirements-checkov.txt constraints-checkov.txt
	@echo "Creating $(VENV_CHECKOV) for checkov, which pins its own boto3 (about half a minute, once)"
	$(PYTHON) -m venv $(VENV_CHECKOV)
	$(VENV_CHECKOV)/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt -c constraints-checkov.txt
	touch $@

install: $(VENV)/.installed $(VENV_CHECKOV)/.installed ## Create .venv and .venv-checkov from pinned versions

lint: install ## ruff, cfn-lint and checkov
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m scripts.lint cfn-templates
	$(VENV_CHECKOV)/bin/checkov --quiet --compact --skip-download --framework cloudformation --directory cfn-templates

package: install ## Build build/<region>/, lint it, upload it to the staging bucket
	$(PY) -m scripts.package

deploy: install ## Create or update the portfolio stack from the last package
	$(PY) -m scripts.deploy

destroy: install ## Delete the portfolio stack (and buckets, when asked)
	$(PY) -m scripts.destroy

test: install ## Run the test suite (offline)
	$(PY) -m pytest

clean: ## Remove build output and virtual environments
	rm -rf build $(VENV) $(VENV_CHECKOV) .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
