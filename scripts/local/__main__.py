"""``python -m scripts.local up|down|status`` — the local AWS emulator's lifecycle (``make local-*``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from scripts.errors import run_main
from scripts.local.process import Emulator, configured_port
from scripts.target import local_region


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="start the emulator in the background (refuses if one runs)")
    commands.add_parser("down", help="stop the emulator; its state is gone")
    commands.add_parser("status", help="say whether the emulator runs, where, and whether it answers")
    serve = commands.add_parser("serve", help="run the server in the foreground (what `up` starts)")
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--region", required=True)
    serve.add_argument("--state-file", type=Path, required=True)
    args = parser.parse_args(argv)

    emulator = Emulator()
    if args.command == "serve":
        from scripts.local.server import serve as run_server

        run_server(args.port, args.region, args.state_file)
    elif args.command == "up":
        emulator.start(configured_port(), local_region())
    elif args.command == "down":
        stopped = emulator.stop()
        print(
            f"Stopped the local AWS emulator (pid {stopped.pid}); its state is gone"
            if stopped
            else "The local AWS emulator is not running; nothing to stop"
        )
    else:
        state = emulator.state()
        if state is None:
            print("The local AWS emulator is not running (start it with `make local-up`)")
        else:
            health = "answering" if emulator.healthy(state) else "NOT answering"
            print(
                f"The local AWS emulator is running at {state.endpoint} (pid {state.pid}), {health}; "
                f"log: {emulator.log_file}"
            )


if __name__ == "__main__":
    run_main(main)
