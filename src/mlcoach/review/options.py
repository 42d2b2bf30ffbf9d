"""Settings of a review: limits on what is read and how long execution may take."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

MIB = 1024 * 1024


class ReviewOptions(BaseModel):
    # Input limits: a submission is read only after its size has been checked against these.
    max_file_bytes: int = Field(64 * MIB, gt=0, description="largest notebook or script read")
    max_archive_bytes: int = Field(512 * MIB, gt=0, description="largest zip file accepted")
    max_unpacked_bytes: int = Field(512 * MIB, gt=0, description="total size a zip may unpack to")
    max_files: int = Field(5000, gt=0, description="most files in a folder or zip")
    max_compression_ratio: float = Field(
        200.0, gt=1, description="unpacked/packed size above which a zip member is a zip bomb"
    )
    max_data_bytes: int = Field(
        100 * MIB, gt=0, description="largest CSV read to check class balance and value ranges"
    )
    max_data_rows: int = Field(200_000, gt=0, description="rows of a CSV read at most")
    # Checks
    long_cell_lines: int = Field(60, gt=0, description="a code cell longer than this is reported")
    imbalance_ratio: float = Field(
        3.0,
        gt=1,
        description="majority/minority class count ratio that counts as imbalanced (3: the "
        "smallest of two classes is a quarter of the rows or less)",
    )
    # Execution (--execute)
    cell_timeout: float = Field(120.0, gt=0, description="seconds one cell may run")
    total_timeout: float = Field(900.0, gt=0, description="seconds the whole notebook may run")
    memory_mb: int = Field(4096, gt=0, description="address-space limit of the kernel")
    sandbox: Literal["auto", "bubblewrap", "none"] = "auto"
    kernel_python: str | None = Field(
        None, description="interpreter (with ipykernel) that runs the notebook; default: mlcoach's"
    )
