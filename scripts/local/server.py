"""The emulator process: moto's ThreadedMotoServer with our extensions, until SIGTERM/SIGINT.

Run by :mod:`scripts.local.process` as ``python -m scripts.local serve``; the state file is written
once the server answers and the account is bootstrapped, and removed on the way out."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

from scripts.local.bootstrap import bootstrap
from scripts.local.extensions import install


def serve(port: int, region: str, state_file: Path) -> None:
    from moto.server import ThreadedMotoServer

    install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        bootstrap(endpoint, region)
        state = {
            "pid": os.getpid(),
            "port": port,
            "endpoint": endpoint,
            "regions": [region],
            "started": time.time(),
        }
        state_file.write_text(json.dumps(state))
        print(f"local AWS emulator ready at {endpoint} (pid {os.getpid()})", flush=True)
        stop.wait()
    finally:
        server.stop()
        state_file.unlink(missing_ok=True)
        print("local AWS emulator stopped", flush=True)
