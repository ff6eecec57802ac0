"""Athena: queries answered by DuckDB over the parquet that Glue tables locate in the emulator's S3."""
