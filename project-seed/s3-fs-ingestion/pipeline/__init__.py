"""The project's SageMaker pipeline: the Data Wrangler flow reader and the pipeline definition.

Kept import-light on purpose: `pipeline.flow` is standard library only, and only
`pipeline.pipeline` imports the SageMaker SDK.
"""
