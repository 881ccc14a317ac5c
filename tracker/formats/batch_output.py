"""Writers for ``batch-stats`` rows that stream: CSV, JSON, JSON lines, Parquet.

Rows arrive in batches (one object slice at a time, ``tracker.services.batch``
``COLUMNS``) and are written at once, so memory holds one slice, never the
catalog. JSON is one document ``{start, end, step_s, samples, rows: [...],
objects, decayed, failed}`` written as it goes (the counts after the rows);
JSON lines is one object a line; Parquet (pyarrow) one row group per batch,
the run's ``start``/``end``/``step_s``/``samples`` in the file's metadata.
Non-finite floats are empty in CSV and null in JSON and Parquet.
"""
from __future__ import annotations

import csv
import json
import math

FORMATS = ("csv", "json", "jsonl", "parquet")


def json_row(row: dict) -> dict:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}


def csv_value(v):
    if isinstance(v, float):
        return "" if not math.isfinite(v) else f"{v:.6g}" if abs(v) >= 1e5 else f"{v:.4f}"
    return v


class RowWriter:
    """``write(rows)`` per batch, then ``close()``; counts objects, decayed, failed."""

    def __init__(self, fmt: str, stream, header: dict, columns):
        self.fmt, self.stream, self.header, self.columns = fmt, stream, header, tuple(columns)
        self.objects = self.decayed = self.failed = 0
        self._first = True
        if fmt == "csv":
            self._csv = csv.writer(stream, lineterminator="\n")
            self._csv.writerow(self.columns)
        elif fmt == "json":
            head = json.dumps(header, indent=1)[:-2]       # drop the closing "\n}"
            stream.write(head + ',\n "rows": [')
        elif fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            self._schema = parquet_schema(header)
            self._pa = pa
            self._pq = pq.ParquetWriter(stream, self._schema)
        elif fmt != "jsonl":
            raise ValueError(fmt)

    def write(self, rows) -> None:
        for r in rows:
            self.objects += 1
            self.decayed += r["decay_time"] is not None
            self.failed += bool(r["error_code"])
        if self.fmt == "csv":
            for r in rows:
                self._csv.writerow(["" if r[c] is None else csv_value(r[c]) for c in self.columns])
        elif self.fmt == "json":
            for r in rows:
                self.stream.write(("\n  " if self._first else ",\n  ") + json.dumps(json_row(r)))
                self._first = False
        elif self.fmt == "jsonl":
            for r in rows:
                self.stream.write(json.dumps(json_row(r)) + "\n")
        else:
            cols = {c: [json_row(r)[c] for r in rows] for c in self.columns}
            self._pq.write_table(self._pa.Table.from_pydict(cols, schema=self._schema))

    def close(self) -> None:
        if self.fmt == "json":
            tail = {"objects": self.objects, "decayed": self.decayed, "failed": self.failed}
            self.stream.write("\n ],\n" + json.dumps(tail, indent=1)[2:] + "\n")
        elif self.fmt == "parquet":
            self._pq.close()


def parquet_schema(header: dict):
    import pyarrow as pa

    from tracker.services.batch import COLUMNS

    types = {"satnum": pa.int64(), "name": pa.string(), "epoch": pa.string(),
             "orbits": pa.int64(), "error_code": pa.int32(), "error_time": pa.string(),
             "decay_time": pa.string(), "failed_samples": pa.int64()}
    fields = [pa.field(c, types.get(c, pa.float64())) for c in COLUMNS]
    meta = {k: json.dumps(v) for k, v in header.items()}
    return pa.schema(fields, metadata=meta)
