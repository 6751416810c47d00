"""DKIM signing per message: dkimpy's own pure-Python RSA against apps.sending.signing (dkimpy
builds the header, OpenSSL signs), on a 20 KB message, with one RSA-2048 key.

    .venv/bin/python bench/bench_signing.py [--messages 300]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "segmentflow.settings")
django.setup()

import dkim  # noqa: E402

from apps.sending import keys  # noqa: E402
from apps.sending.signing import sign_message  # noqa: E402

MESSAGE = (
    b"From: Acme <hello@example.com>\r\nTo: ada@example.net\r\nSubject: Your receipt\r\n"
    b"Message-ID: <es_01abc@example.com>\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n\r\n" + b"<p>Thanks for your order.</p>\r\n" * 600
)


def per_message_ms(sign: object, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        sign()  # type: ignore[operator]
    return (time.perf_counter() - started) * 1000 / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=300)
    count = parser.parse_args().messages
    started = time.perf_counter()
    token, _ = keys.generate_key_pair()
    generate_ms = (time.perf_counter() - started) * 1000
    pem = keys.decrypt(token)
    started = time.perf_counter()
    keys.load_pem(pem)
    load_ms = (time.perf_counter() - started) * 1000

    def stock() -> bytes:
        return bytes(
            dkim.DKIM(MESSAGE, linesep=b"\r\n").sign(
                b"sf2026120000", b"example.com", pem, canonicalize=(b"relaxed", b"simple")
            )
        )

    def fast() -> bytes:
        return sign_message(
            MESSAGE, domain="example.com", selector="sf2026120000", private_key=token
        )

    fast()  # loads and caches the key
    print(f"message: {len(MESSAGE)} bytes, {count} signatures each")
    print(f"generate an RSA-2048 key pair:           {generate_ms:8.1f} ms")
    print(f"load a private key (cryptography):       {load_ms:8.1f} ms (cached per key)")
    print(
        f"dkimpy 1.1.8, pure-Python RSA:           {per_message_ms(stock, count):8.3f} ms/message"
    )
    print(f"apps.sending.signing (OpenSSL RSA):      {per_message_ms(fast, count):8.3f} ms/message")


if __name__ == "__main__":
    main()
