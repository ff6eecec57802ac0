"""SageMaker: the Feature Store (control plane and featurestore-runtime)."""
