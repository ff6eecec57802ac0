"""Lambda functions that run: the deployed code, in a process per invocation (:mod:`.runtime`)."""
