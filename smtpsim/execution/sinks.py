"""Where a run's records go as its chunks finish: kept in memory, streamed to one CSV or
Parquet file, or written as a Parquet dataset directory that a later run can resume.

Nothing is ever half-written under its final name: a file is written under a temporary name
beside it and renamed when complete (``os.replace``, atomic on POSIX), so an interrupted run
leaves the previous file as it was (and a ``.<name>.<pid>.tmp`` at worst, after SIGKILL). A
dataset directory holds one part file per chunk, each written the same way, and a manifest
(``_manifest.json``: the scenario's canonical text and hash, the chunk size, the columns);
``resume`` skips the chunks whose part file exists, and refuses a directory written for
another scenario. Files whose names start with ``_`` or ``.`` are not part of the data
(pyarrow's and pandas' readers skip them), so ``pandas.read_parquet(directory)`` reads the
records; the packets of a traced run are in ``_packets/``.

Every sink also keeps the few columns a summary needs (``SUMMARY_COLUMNS``), so a run
streamed to disk can still be summarised without reading it back.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from smtpsim.execution.work import ChunkResult

__all__ = ["MANIFEST", "SUMMARY_COLUMNS", "CsvSink", "DatasetSink", "MemorySink",
           "OutputError", "ParquetSink", "Sink", "atomic_path", "open_sink", "output_kind"]

MANIFEST = "_manifest.json"
PACKETS = "_packets"
#: The record columns a summary table reads (besides ``scenario``, ``point`` and the axes).
SUMMARY_COLUMNS = [
    "profile", "variant", "seed", "replication", "state", "software", "outcome", "accept_s",
    "done_s", "user_s", "occupancy_s", "rtt_accept", "rtt_done", "rtt_user",
]  # fmt: skip


class OutputError(ValueError):
    """An output path that cannot be written, or a dataset that cannot be resumed."""


def atomic_path(path: Path) -> Path:
    """The temporary name ``path`` is written under before it is renamed to ``path``."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


@contextlib.contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    tmp = atomic_path(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def output_kind(path: Path | str) -> str:
    """``"csv"`` or ``"parquet"`` (one file, by its suffix), else ``"dataset"`` (a
    directory: any other name)."""
    text = str(path)
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".parquet") and not text.endswith("/"):
        return suffix[1:]
    return "dataset"


class Sink:
    """Takes each chunk's result; keeps the summary columns of every record."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        wanted = _summary(schema)
        self._keep = [n for n in schema.names if n in wanted]
        self._summary: dict[int, pa.Table] = {}
        self.done: set[int] = set()
        self.path: Path | None = None

    def put(self, result: ChunkResult) -> None:
        self._summary[result.index] = result.records.select(self._keep)
        self._store(result)
        self.done.add(result.index)

    def _store(self, result: ChunkResult) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """The run is complete: publish what was written."""

    def abort(self) -> None:
        """The run stopped: remove what is half-written (finished part files stay)."""

    def summary_frame(self) -> pd.DataFrame:
        """The summary columns of every record, in the plan's order."""
        schema = pa.schema([self.schema.field(n) for n in self._keep])
        return _frame([self._summary[i] for i in sorted(self._summary)], schema)

    def records(self) -> pd.DataFrame:
        """Every record, in the plan's order (read back from disk when streamed)."""
        raise NotImplementedError

    def packets(self) -> pd.DataFrame | None:
        return None


def _summary(schema: pa.Schema) -> set[str]:
    names = schema.names
    head = names[:names.index("profile")]
    return set(head) | set(SUMMARY_COLUMNS)


def _frame(tables: list[pa.Table], schema: pa.Schema) -> pd.DataFrame:
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    return table.to_pandas()


class MemorySink(Sink):
    """Keeps every record (and packet) in memory: what the API returns without ``out``."""

    def __init__(self, schema: pa.Schema, packet_schema: pa.Schema) -> None:
        super().__init__(schema)
        self._packet_schema = packet_schema
        self._records: dict[int, pa.Table] = {}
        self._packets: dict[int, pa.Table] = {}
        self._traced = False

    def _store(self, result: ChunkResult) -> None:
        self._records[result.index] = result.records
        if result.packets is not None:
            self._traced = True
            self._packets[result.index] = result.packets

    def records(self) -> pd.DataFrame:
        return _frame([self._records[i] for i in sorted(self._records)], self.schema)

    def packets(self) -> pd.DataFrame | None:
        if not self._traced:
            return None
        return _frame([self._packets[i] for i in sorted(self._packets)], self._packet_schema)


class _OrderedFile(Sink):
    """A sink that writes chunks to one file in the plan's order, holding the results that
    finish early until their turn."""

    def __init__(self, schema: pa.Schema, path: Path) -> None:
        super().__init__(schema)
        self.path = self.out = path
        self._next = 0
        self._waiting: dict[int, ChunkResult] = {}

    def _store(self, result: ChunkResult) -> None:
        self._waiting[result.index] = result
        while self._next in self._waiting:
            self._write(self._waiting.pop(self._next))
            self._next += 1

    def _write(self, result: ChunkResult) -> None:
        raise NotImplementedError


class ParquetSink(_OrderedFile):
    """One Parquet file (a row group per chunk); the packets in ``<stem>.packets.parquet``."""

    def __init__(self, schema: pa.Schema, packet_schema: pa.Schema, path: Path) -> None:
        super().__init__(schema, path)
        self._packet_path = path.with_name(f"{path.stem}.packets{path.suffix}")
        self._packet_schema = packet_schema
        self._writers: dict[Path, pq.ParquetWriter] = {}

    def _writer(self, path: Path, schema: pa.Schema) -> pq.ParquetWriter:
        if path not in self._writers:
            self._writers[path] = pq.ParquetWriter(atomic_path(path), schema)
        return self._writers[path]

    def _write(self, result: ChunkResult) -> None:
        self._writer(self.out, self.schema).write_table(result.records)
        if result.packets is not None:
            self._writer(self._packet_path, self._packet_schema).write_table(result.packets)

    def close(self) -> None:
        self._writer(self.out, self.schema)  # an empty run still writes its (empty) file
        for path, writer in self._writers.items():
            writer.close()
            os.replace(atomic_path(path), path)
        self._writers.clear()

    def abort(self) -> None:
        for path, writer in self._writers.items():
            with contextlib.suppress(Exception):
                writer.close()
            atomic_path(path).unlink(missing_ok=True)
        self._writers.clear()

    def records(self) -> pd.DataFrame:
        return pq.read_table(self.out).to_pandas()

    def packets(self) -> pd.DataFrame | None:
        if not self._packet_path.exists():
            return None
        return pq.read_table(self._packet_path).to_pandas()


class CsvSink(_OrderedFile):
    """One CSV file, written as pandas writes a frame; packets in ``<stem>.packets.csv``."""

    def __init__(self, schema: pa.Schema, path: Path) -> None:
        super().__init__(schema, path)
        self._packet_path = path.with_name(f"{path.stem}.packets{path.suffix}")
        self._files: dict[Path, TextIO] = {}

    def _append(self, path: Path, table: pa.Table) -> None:
        first = path not in self._files
        if first:
            self._files[path] = open(atomic_path(path), "w", newline="")  # noqa: SIM115
        table.to_pandas().to_csv(self._files[path], header=first, index=False)

    def _write(self, result: ChunkResult) -> None:
        self._append(self.out, result.records)
        if result.packets is not None:
            self._append(self._packet_path, result.packets)

    def close(self) -> None:
        if self.out not in self._files:
            self._append(self.out, self.schema.empty_table())
        for path, file in self._files.items():
            file.close()
            os.replace(atomic_path(path), path)
        self._files.clear()

    def abort(self) -> None:
        for path, file in self._files.items():
            file.close()
            atomic_path(path).unlink(missing_ok=True)
        self._files.clear()

    def records(self) -> pd.DataFrame:
        return pd.read_csv(self.out)

    def packets(self) -> pd.DataFrame | None:
        return pd.read_csv(self._packet_path) if self._packet_path.exists() else None


def scenario_hash(text: str) -> str:
    """The SHA-256 of a scenario's canonical text."""
    return hashlib.sha256(text.encode()).hexdigest()


class DatasetSink(Sink):
    """A Parquet dataset directory: ``part-<chunk>.parquet`` per chunk, the manifest, and
    ``_packets/part-<chunk>.parquet`` when traced. With ``resume``, the chunks already
    written are ``done``."""

    def __init__(self, schema: pa.Schema, packet_schema: pa.Schema, path: Path,
                 manifest: dict[str, Any], resume: bool) -> None:
        super().__init__(schema)
        self.path = self.out = path
        self._packet_schema = packet_schema
        self._manifest = manifest
        written = path / MANIFEST
        if path.exists() and any(path.iterdir()):
            if not resume:
                raise OutputError(f"{path} already holds files: give --resume to continue "
                                  "that run, or a new directory")
            if not written.exists():
                raise OutputError(f"{path} is not a smtpsim dataset (no {MANIFEST}): "
                                  "cannot resume it")
            old = json.loads(written.read_text())
            for key, what in (("scenario_sha256", "scenario"), ("chunk_sessions", "chunk size"),
                              ("smtpsim", "smtpsim version")):
                if old.get(key) != manifest[key]:
                    was, now = (str(v)[:12] for v in (old.get(key), manifest[key]))
                    raise OutputError(f"--resume: {path} was written for another {what} "
                                      f"({was}, now {now}): use a new directory, or the "
                                      "scenario and options that wrote it")
            self.done = {int(p.stem.split("-")[1]) for p in path.glob("part-*.parquet")}
            self._summary = {i: pq.read_table(self._part(i), columns=self._keep)
                             for i in self.done}
        else:
            path.mkdir(parents=True, exist_ok=True)
        self._write_manifest(complete=False)

    def _part(self, index: int, packets: bool = False) -> Path:
        folder = self.out / PACKETS if packets else self.out
        return folder / f"part-{index:06d}.parquet"

    def _write_manifest(self, complete: bool) -> None:
        with _atomic(self.out / MANIFEST) as tmp:
            tmp.write_text(json.dumps({**self._manifest, "complete": complete}, indent=1))

    def _store(self, result: ChunkResult) -> None:
        if result.packets is not None:
            (self.out / PACKETS).mkdir(exist_ok=True)
            with _atomic(self._part(result.index, packets=True)) as tmp:
                pq.write_table(result.packets, tmp)
        with _atomic(self._part(result.index)) as tmp:
            pq.write_table(result.records, tmp)

    def close(self) -> None:
        self._write_manifest(complete=True)

    def _read(self, folder: Path, schema: pa.Schema) -> pd.DataFrame:
        parts = sorted(folder.glob("part-*.parquet"))
        return _frame([pq.read_table(p) for p in parts], schema)

    def records(self) -> pd.DataFrame:
        return self._read(self.out, self.schema)

    def packets(self) -> pd.DataFrame | None:
        if not (self.out / PACKETS).is_dir():
            return None
        return self._read(self.out / PACKETS, self._packet_schema)


def check_path(path: Path) -> str:
    """Refuse an output path that cannot be written, before anything is simulated; return
    its kind (``output_kind``)."""
    kind = output_kind(path)
    if kind != "dataset" and path.is_dir():
        raise OutputError(f"{path} is a directory; a .{kind} output is one file")
    parent = path.parent
    if not parent.is_dir():
        raise OutputError(f"directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"directory {parent} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"{path} is not writable")
    if kind == "dataset" and path.exists() and not path.is_dir():
        raise OutputError(f"{path} is a file; a dataset is a directory (or end the name "
                          "in .csv or .parquet for one file)")
    return kind


def open_sink(out: Path | None, schema: pa.Schema, packet_schema: pa.Schema,
              manifest: dict[str, Any], resume: bool) -> Sink:
    """The sink for ``out`` (None: memory)."""
    if out is None:
        if resume:
            raise OutputError("--resume needs an output dataset directory (--out DIR)")
        return MemorySink(schema, packet_schema)
    kind = check_path(out)
    if resume and kind != "dataset":
        raise OutputError(f"--resume needs a dataset directory, not a .{kind} file: "
                          f"give --out {out.with_suffix('')}")
    if kind == "csv":
        return CsvSink(schema, out)
    if kind == "parquet":
        return ParquetSink(schema, packet_schema, out)
    return DatasetSink(schema, packet_schema, out, manifest, resume)
