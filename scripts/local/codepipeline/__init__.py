"""CodePipeline whose executions run (see :mod:`.models`)."""
