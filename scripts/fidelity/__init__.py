"""The emulator's fidelity gate: moto's own test suites, run with the emulator's extensions installed.

Nobody here wrote moto's tests, so they check our extensions independently. Every test of the suites the
extensions touch must pass, except those listed in ``.moto-expected-failures.yaml``, each with the AWS
behaviour that makes moto's test disagree. ``python -m scripts.fidelity`` runs the gate; so does
``make test``.
"""
