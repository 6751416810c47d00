"""DKIM signatures at OpenSSL speed: dkimpy builds the header, `cryptography` signs.

dkimpy 1.1.8 (pinned) computes RSA in pure Python (~9.5 ms a message here) and parses the PEM
on every call. Its RSA step is two module-level functions; this module replaces just those two
with ones that, for a key it loaded, sign the same digest through OpenSSL (~0.3 ms), and hand
anything else to dkimpy's own. PKCS#1 v1.5 signatures are deterministic, so the result is
byte-identical to dkimpy's (tests/sending/test_signing.py checks it, and that `dkim.verify`
accepts it).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import dkim
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, utils
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from . import keys

# What every message signs (RFC 6376 §5.4 recommends From and the headers a reader sees).
SIGNED_HEADERS: tuple[bytes, ...] = (
    b"from",
    b"to",
    b"cc",
    b"subject",
    b"date",
    b"message-id",
    b"reply-to",
    b"mime-version",
    b"content-type",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
)


class _OpenSslKey:
    """Stands for a private key in dkimpy's code path, carrying the loaded key."""

    __slots__ = ("key",)

    def __init__(self, key: RSAPrivateKey) -> None:
        self.key = key


_stock_parse = dkim.parse_pem_private_key
_stock_sign = dkim.RSASSA_PKCS1_v1_5_sign


@functools.lru_cache(maxsize=256)
def _loaded(pem: bytes) -> _OpenSslKey:
    # Loading a key costs ~45 ms: a delivery batch signs many messages with one key.
    return _OpenSslKey(keys.load_pem(pem))


def _parse(data: bytes) -> Any:
    if data.startswith(_MARK):
        return _loaded(data[len(_MARK) :])
    return _stock_parse(data)


def _sign(hash_: Any, private_key: Any) -> bytes:
    if not isinstance(private_key, _OpenSslKey):
        return bytes(_stock_sign(hash_, private_key))
    if hash_.name != "sha256":
        raise ValueError("SegmentFlow signs rsa-sha256 only")
    digest = hash_.digest()
    return private_key.key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))


# A prefix no PEM starts with: only keys passed through sign_message take the fast path.
_MARK = b"\x00segmentflow-openssl\x00"
dkim.parse_pem_private_key = _parse
dkim.RSASSA_PKCS1_v1_5_sign = _sign


def sign_message(
    message: bytes,
    *,
    domain: str,
    selector: str,
    private_key: str,
    headers: Sequence[bytes] = SIGNED_HEADERS,
) -> bytes:
    """The `DKIM-Signature:` header line (CRLF-terminated) for `message` (bytes with CRLF line
    ends), rsa-sha256 with the stored (encrypted) `private_key`. Headers relaxed, body simple:
    dkimpy's default, which receivers that mangle neither verify best, and the cheaper one."""
    signer = dkim.DKIM(message, linesep=b"\r\n")
    present = {name.lower() for name, _ in signer.headers}
    signature: bytes = signer.sign(
        selector.encode(),
        domain.encode(),
        _MARK + _pem(private_key),
        canonicalize=(b"relaxed", b"simple"),
        include_headers=[name for name in headers if name in present],
    )
    return signature


@functools.lru_cache(maxsize=256)
def _pem(token: str) -> bytes:
    return keys.decrypt(token)
