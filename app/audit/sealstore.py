"""The copy of every seal kept outside the database: an append-only file of JSON lines, optionally syslog too.

A database restored from an older copy, or with its newest seals deleted, no longer has seals this store has:
that is how `flask audit verify` detects a rollback. The file is AUDIT_SEAL_STORE (default: the instance
folder's audit-seals.jsonl); each app host writes its own unless it points at shared storage. AUDIT_SEAL_SYSLOG
("/dev/log" or "host:port", UDP) also sends each seal line to syslog, for a SIEM or a remote log host.
"""

import json
import logging
import logging.handlers
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import current_app

SYSLOG_LOGGER = "envoy.audit.seals"
# Reading backwards for the last line: a seal line is a few hundred bytes.
TAIL_CHUNK = 8192


class StoreError(RuntimeError):
    """The store's file cannot be read as seal lines."""


def path() -> Path:
    configured = current_app.config.get("AUDIT_SEAL_STORE")
    return Path(configured) if configured else Path(current_app.instance_path) / "audit-seals.jsonl"


def append(entry: Mapping[str, Any]) -> None:
    """Append one seal line and make it durable before returning."""
    line = json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n"
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(descriptor, line.encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    address = current_app.config.get("AUDIT_SEAL_SYSLOG")
    if address:
        _syslog(str(address)).info("envoy audit seal %s", line.rstrip("\n"))


def read_all() -> list[dict[str, Any]]:
    """Every seal line, in file order; StoreError names the first line that is not a seal."""
    target = path()
    if not target.exists():
        return []
    entries = []
    with target.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                raise StoreError(f"line {number} of {target} is not a seal (not JSON)") from None
            if not isinstance(entry, dict) or not isinstance(entry.get("seq"), int):
                raise StoreError(f"line {number} of {target} is not a seal (no seq)")
            entries.append(entry)
    return entries


def last_seq() -> int:
    """The seq of the newest seal in the file (0 when there is none), without reading the whole file."""
    target = path()
    if not target.exists():
        return 0
    with target.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        end = handle.tell()
        start = max(0, end - TAIL_CHUNK)
        handle.seek(start)
        lines = [line for line in handle.read().split(b"\n") if line.strip()]
    if not lines:
        return 0
    try:
        seq = json.loads(lines[-1])["seq"]
    except (ValueError, KeyError, TypeError):
        raise StoreError(f"the last line of {target} is not a seal") from None
    return int(seq)


_syslog_handlers: dict[str, logging.Logger] = {}


def _syslog(address: str) -> logging.Logger:
    if address not in _syslog_handlers:
        logger = logging.getLogger(f"{SYSLOG_LOGGER}.{len(_syslog_handlers)}")
        logger.propagate = False
        logger.setLevel(logging.INFO)
        if ":" in address and not address.startswith("/"):
            host, port = address.rsplit(":", 1)
            handler = logging.handlers.SysLogHandler(address=(host, int(port)))
        else:
            handler = logging.handlers.SysLogHandler(address=address)
        logger.addHandler(handler)
        _syslog_handlers[address] = logger
    return _syslog_handlers[address]
