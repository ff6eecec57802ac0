"""CodeCommit: repository content (branches, commits, files) and its CloudFormation handler."""
