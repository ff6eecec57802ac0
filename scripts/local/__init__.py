"""The embedded AWS: moto served on 127.0.0.1, with this project's extensions in the same process.

``python -m scripts.local up|down|status`` (``make local-up`` ...). What moto lacks and our templates
need lives in one package per service (``servicecatalog/``, ``codecommit/``, ...), laid out like
moto's own services; the few patches of moto internals are in :mod:`scripts.local.patches`.
"""

DEFAULT_PORT = 4599
ACCOUNT_ID = "123456789012"
"""moto's default account: what ``sts get-caller-identity`` answers with the emulator's credentials."""
