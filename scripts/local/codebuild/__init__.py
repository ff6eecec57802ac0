"""CodeBuild whose builds run (:mod:`.builds`)."""
