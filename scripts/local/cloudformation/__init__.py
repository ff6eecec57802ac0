"""CloudFormation stack operations as AWS performs them: per-resource events, rollback on failure,
updates that apply what changed. moto keeps parsing templates and resolving intrinsics; we drive
the order, the events and the failure handling."""
