"""SageMaker pipeline executions that run: the definition interpreted (:mod:`.definition`), Data Wrangler
processing steps run with the local flow runner (:mod:`.processing`), executions and their steps
(:mod:`.executions`)."""
