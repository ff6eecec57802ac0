"""Writing the requested output where a processing job would put it: ``<dir>/<node_id>/<output>/``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from scripts.flow.errors import FlowError
from scripts.flow.model import OutputRef
from scripts.flow.operators.destination import CSV, OutputFormat

PART = "part-00000"


def write_output(
    df: pd.DataFrame, directory: Path, ref: OutputRef, output_format: OutputFormat, header: bool = True
) -> Path:
    """Write ``df`` as the one part file of the output's folder, replacing the parts of a previous run."""
    folder = Path(directory) / ref.node_id / ref.output
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("part-*"):
        stale.unlink()
    if output_format.content_type == CSV:
        path = folder / f"{PART}.csv{'.gz' if output_format.compression == 'gzip' else ''}"
        df.to_csv(
            path,
            index=False,
            header=header,
            sep=output_format.delimiter,
            compression=output_format.compression,
        )
        return path
    path = folder / f"{PART}.parquet"
    try:
        df.to_parquet(path, index=False, compression=output_format.compression)
    except (pa.ArrowException, ValueError) as error:
        path.unlink(missing_ok=True)
        raise FlowError(
            f"output {ref} cannot be written as Parquet ({error}): write it with --format csv"
        ) from None
    return path
