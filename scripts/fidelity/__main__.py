"""python -m scripts.fidelity: run the fidelity gate."""

from scripts.errors import run_main
from scripts.fidelity.gate import main

run_main(main)
