"""An SMTP sink for the delivery benchmarks: aiosmtpd on 127.0.0.1, accepts everything, counts
messages by their X-SegmentFlow-Send-Id and writes the counts (JSON) to --out on SIGTERM.

    .venv/bin/python bench/smtp_sink.py --port 2525 --out /tmp/sink.json
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

SEND_ID = re.compile(rb"^X-SegmentFlow-Send-Id: (\S+)\r?$", re.MULTILINE | re.IGNORECASE)


class Sink:
    def __init__(self) -> None:
        self.by_send_id: Counter[str] = Counter()
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        match = SEND_ID.search(envelope.original_content)
        now = time.monotonic()
        with self.lock:
            self.by_send_id[match.group(1).decode() if match else "?"] += 1
            self.first_at = self.first_at or now
            self.last_at = now
        return "250 2.0.0 Ok: queued"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=args.port, ready_timeout=10)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    controller.stop()
    with sink.lock:
        span = (sink.last_at - sink.first_at) if sink.first_at and sink.last_at else 0.0
        args.out.write_text(json.dumps({"by_send_id": sink.by_send_id, "seconds": span}))


if __name__ == "__main__":
    main()
