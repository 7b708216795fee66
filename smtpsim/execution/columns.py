"""The columns of a run's two tables, with their Arrow types, fixed before anything runs so
that every chunk's part file has the same schema whatever values it happens to hold.

Records: ``scenario``, ``point``, the sweep axes (by key path), then the simulator's
``SessionRecord`` fields. Packets (``[output] traces = true``): the run, then the packet.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pyarrow as pa

from smtpsim.model import SessionRecord
from smtpsim.model.trace import PacketEvent

__all__ = ["PACKET_COLUMNS", "axis_type", "packet_schema", "record_schema"]

#: Columns of the packet table: the run, then the packet.
PACKET_COLUMNS = [
    "point", "profile", "variant", "replication", "direction", "sent_s", "arrived_s",
    "wire_bytes", "payload_bytes", "flags", "seq", "ack", "label", "retransmit", "connection",
    "queue_s", "queue_drop", "probe",
]  # fmt: skip

_ARROW = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(),
          "float | None": pa.float64()}


def _dataclass_fields(cls: type) -> list[pa.Field]:
    return [pa.field(f.name, _ARROW[str(f.type)]) for f in fields(cls)]


def axis_type(values: list[Any] | tuple[Any, ...]) -> pa.DataType:
    """The Arrow type of a sweep axis column holding ``values``: bool, int64, float64 when
    they are all numbers (ints and floats mixed), else string."""
    kinds = {type(v) for v in values}
    if kinds <= {bool}:
        return pa.bool_()
    if kinds <= {int}:
        return pa.int64()
    if kinds <= {int, float} and bool not in kinds:
        return pa.float64()
    return pa.string()


def record_schema(axes: dict[str, pa.DataType]) -> pa.Schema:
    """``scenario``, ``point``, the axes, the record's fields."""
    head = [pa.field("scenario", pa.string()), pa.field("point", pa.int64())]
    head += [pa.field(path, kind) for path, kind in axes.items()]
    return pa.schema(head + _dataclass_fields(SessionRecord))


def packet_schema() -> pa.Schema:
    """The run (point, profile, variant, replication), then the ``PacketEvent`` fields."""
    run = [pa.field("point", pa.int64()), pa.field("profile", pa.string()),
           pa.field("variant", pa.string()), pa.field("replication", pa.int64())]
    return pa.schema(run + _dataclass_fields(PacketEvent))
