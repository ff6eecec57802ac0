"""The emulator process: moto's ThreadedMotoServer with our extensions, until SIGTERM/SIGINT.

Run by :mod:`scripts.local.process` as ``python -m scripts.local serve``; the state file is written
once the server answers and the account is bootstrapped, and removed on the way out. Started for a
region AWS does not have, the server still runs (so it answers each request for that region with
an AWS error naming it) but bootstraps no region, and says so in its log."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

from scripts.local import endpoint as own_endpoint
from scripts.local.bootstrap import bootstrap
from scripts.local.extensions import install
from scripts.local.regions import RegionNotServedError


def serve(port: int, region: str, state_file: Path) -> None:
    from moto.server import ThreadedMotoServer

    install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    own_endpoint.serve_at(endpoint)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        bootstrapped = [region]
        try:
            bootstrap(endpoint, region)
        except RegionNotServedError as refused:
            print(f"{refused}; no region bootstrapped", flush=True)
            bootstrapped = []
        state = {
            "pid": os.getpid(),
            "port": port,
            "endpoint": endpoint,
            "regions": bootstrapped,
            "started": time.time(),
        }
        state_file.write_text(json.dumps(state))
        print(f"local AWS emulator ready at {endpoint} (pid {os.getpid()})", flush=True)
        stop.wait()
    finally:
        server.stop()
        state_file.unlink(missing_ok=True)
        print("local AWS emulator stopped", flush=True)
