# The user interface of the kit. Every target that needs Python depends on the virtual environment,
# so no separate install step is ever required. `make help` lists targets and variables.

PYTHON ?= python3
VENV := .venv
VENV_CHECKOV := .venv-checkov
VENV_JUPYTER := .venv-jupyter
PY := $(VENV)/bin/python
SEED_DIR := project-seed/s3-fs-ingestion
MOTO_SUITES := .cache/moto-suites/fetched

# Variables passed to the tooling (each one documented in `make help`; empty means "work it out").
export REGION ?=
export CFN_BUCKET_NAME ?=
export S3_PREFIX ?=
export PUBLISHERS ?=
export DATA_BUCKETS ?=
export CONNECTIONS ?=
export DELIVERY ?= servicecatalog
export DOMAIN_ID ?=
export STACK_NAME ?= sagemaker-fs-ingestion-portfolio
export EXECUTION_ROLE_ARN ?=
export LAUNCH_ROLE ?= service-role/AmazonSageMakerServiceCatalogProductsLaunchRole
export REPLACE_FAILED_STACK ?=
export DELETE_PROJECT_BUCKETS ?=
export DELETE_STAGING ?=
export PROJECT_ID ?=
export PROJECT_NAME ?=
export TARGET ?= auto
export LOCAL_PORT ?= 4599
export REPOSITORY ?=
export BRANCH ?= main

# Jobs that talk to AWS run through scripts.target: a banner naming the target, and the local
# emulator started when the target is local.
ON_TARGET := $(PY) -m scripts.target run

.DEFAULT_GOAL := help
.PHONY: help install lint package deploy destroy redrive demo notebooks test bench seed-lock seed-repo env local-up local-down local-status clean

help: ## Show targets and variables
	@echo "Targets:"
	@awk -F ':.*## ' '/^[a-z-]+:.*## / { printf "  %-12s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@echo
	@echo "Variables (make VAR=value target, or export them):"
	@echo "  PYTHON                 Python 3.11 interpreter used to create .venv (now: $(PYTHON))"
	@echo "  REGION                 AWS region to publish to (default: AWS_REGION, then your AWS config)"
	@echo "  CFN_BUCKET_NAME        staging bucket for templates and seed code (default: fs-ingestion-templates-"
	@echo "                         <account>-<region>, created if missing; an earlier release's bucket is kept)"
	@echo "  S3_PREFIX              key prefix in the staging bucket (default: fs-ingestion)"
	@echo "  PUBLISHERS             IAM role/user ARNs that may publish besides you, comma-separated"
	@echo "                         (the staging bucket's policy lets only publishers write)"
	@echo "  DATA_BUCKETS           buckets projects may monitor and read flows from, comma-separated"
	@echo "                         (default: the SageMaker default bucket sagemaker-<region>-<account>)"
	@echo "  CONNECTIONS            CodeConnections connection ARNs projects may build from (SourceRepository="
	@echo "                         CodeConnections), comma-separated (default: none, CodeCommit only)"
	@echo "  DELIVERY               how Studio users get the template (now: $(DELIVERY)): servicecatalog (a portfolio"
	@echo "                         whose launch constraint fixes the role and template a project runs; README),"
	@echo "                         s3 (SageMaker reads it from the staging bucket) or both"
	@echo "  DOMAIN_ID              Studio domain that shows the S3-delivered template (default: the only one)"
	@echo "  STACK_NAME             CloudFormation stack of the portfolio (now: $(STACK_NAME))"
	@echo "  EXECUTION_ROLE_ARN     SageMaker execution role granted the portfolio"
	@echo "                         (default: the Studio domain's default execution role)"
	@echo "  LAUNCH_ROLE            role Service Catalog launches the product with, path/name"
	@echo "                         (now: $(LAUNCH_ROLE))"
	@echo "  REPLACE_FAILED_STACK   1: delete a stack left in ROLLBACK_COMPLETE and create it again"
	@echo "  DELETE_PROJECT_BUCKETS 1: destroy also empties and deletes the buckets of deleted projects"
	@echo "                         (never a live project's; refused when STACK_NAME does not exist)"
	@echo "  DELETE_STAGING         1: destroy also deletes everything under S3_PREFIX in the staging bucket"
	@echo "                         (refused while any stack still uses it)"
	@echo "  PROJECT_ID             the SageMaker project (p-...) whose dead-letter queue redrive replays"
	@echo "  PROJECT_NAME           the project's name instead of PROJECT_ID (looked up with DescribeProject)"
	@echo "  TARGET                 auto (local when no AWS credentials and no AWS_ENDPOINT_URL), aws or local"
	@echo "                         (now: $(TARGET))"
	@echo "  LOCAL_PORT             port of the local AWS emulator on 127.0.0.1 (now: $(LOCAL_PORT))"
	@echo "  REPOSITORY             clone URL of the empty Git repository seed-repo fills"
	@echo "  BRANCH                 branch seed-repo commits the seed to (now: $(BRANCH))"

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

$(VENV_JUPYTER)/.installed: requirements-jupyter.txt constraints-jupyter.txt
	@echo "Creating $(VENV_JUPYTER) for JupyterLab (make notebooks; the kernel is .venv's) (about a minute, once)"
	$(PYTHON) -m venv $(VENV_JUPYTER)
	$(VENV_JUPYTER)/bin/pip install --quiet --disable-pip-version-check -r requirements-jupyter.txt -c constraints-jupyter.txt
	touch $@

# moto's own test suites for the fidelity gate (make test): its pinned source distribution, checked against
# its hash, unpacked once per moto version into .cache/moto-suites/.
$(MOTO_SUITES): requirements-moto-suites.txt $(VENV)/.installed
	$(PY) -m scripts.fidelity.suites
	touch $@

install: $(VENV)/.installed $(VENV_CHECKOV)/.installed $(VENV_JUPYTER)/.installed $(MOTO_SUITES) ## Create the virtual environments from pinned versions, fetch moto's suites

lint: install ## ruff, cfn-lint, parliament (IAM policies) and checkov
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m scripts.lint cfn-templates
	$(PY) -m scripts.policy_lint cfn-templates
	$(VENV_CHECKOV)/bin/checkov --quiet --compact --skip-download --framework cloudformation --directory cfn-templates

package: install ## Build build/<region>/, lint it, upload it to the staging bucket
	@$(ON_TARGET) scripts.package

deploy: install ## Create or update the portfolio stack from the last package
	@$(ON_TARGET) scripts.deploy

destroy: install ## Delete the portfolio stack (and buckets, when asked)
	@$(ON_TARGET) scripts.destroy

redrive: install ## Replay a project's dead-letter queue into its ingestion queue (PROJECT_ID=p-...)
	@$(ON_TARGET) scripts.redrive

demo: install ## The whole product end to end: deploy, a project, its build, an upload, its features
	@$(ON_TARGET) scripts.demo

notebooks: install ## Open the walkthrough notebooks in JupyterLab, pointed at the target (the emulator: published first)
	@$(ON_TARGET) scripts.notebooks lab

env: install ## Print the exports that point a shell, a notebook or the AWS CLI at the target
	@$(PY) -m scripts.target env

local-up: install ## Start the local AWS emulator in the background
	@$(PY) -m scripts.local up

local-down: install ## Stop the local AWS emulator (its state goes with it)
	@$(PY) -m scripts.local down

local-status: install ## Say whether the local AWS emulator runs and answers
	@$(PY) -m scripts.local status

test: install ## Run the test suite (offline)
	$(PY) -m pytest

bench: install ## Run the benchmarks (ratios against baselines measured in the same run)
	$(PY) -m scripts.bench

# CodeBuild runs the seed on CPython 3.12, x86_64, glibc 2.34 (buildspec.yml, the product template's image).
# Resolve for that from the seed's requirements.txt (manylinux_2_28: wheels that run on glibc 2.28 and later),
# held to the kit's constraints.txt (the kit's tests run the seed's tests in .venv), with the hash of every
# file of each version. The existing lock gives the preferred versions of what constraints.txt leaves open.
seed-lock: install ## Regenerate project-seed/.../requirements.lock from requirements.txt (needs PyPI)
	$(VENV)/bin/uv pip compile --quiet --no-config --python-version 3.12 --python-platform x86_64-manylinux_2_28 \
		--generate-hashes -c constraints.txt -o $(SEED_DIR)/requirements.lock $(SEED_DIR)/requirements.txt

seed-repo: install ## Put the seed code into an empty Git repository (REPOSITORY=<clone URL>, for SourceRepository=CodeConnections)
	@$(PY) -m scripts.seed_repo

clean: ## Stop the local emulator, remove build output, virtual environments and fetched suites
	@if [ -x $(PY) ]; then $(PY) -m scripts.local down; fi
	rm -rf build $(VENV) $(VENV_CHECKOV) $(VENV_JUPYTER) .cache .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
