"""IAM: AWS managed policies as a real account has them, and the policy simulator
(``SimulatePrincipalPolicy``, ``SimulateCustomPolicy``) backed by :mod:`.evaluation`."""
