"""DKIM key pairs, and their private keys encrypted at rest.

The encryption key is derived from SECRET_KEY (HKDF-SHA256), so a stolen database alone holds
no usable private key. Keys encrypted under a former SECRET_KEY still decrypt while it is listed
in SECRET_KEY_FALLBACKS; `manage.py reencrypt_dkim_keys` moves every key to the current one.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

KEY_BITS = 2048
_SALT = b"segmentflow/sending"
_INFO = b"dkim private keys v1"


class KeyDecryptionError(Exception):
    """A stored private key that no current or fallback SECRET_KEY decrypts."""


@functools.cache
def _fernet_for(secret: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        secret.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _fernets() -> MultiFernet:
    # Encrypts with the first (SECRET_KEY), decrypts with any.
    secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet([_fernet_for(secret) for secret in secrets])


def generate_key_pair(bits: int = KEY_BITS) -> tuple[str, str]:
    """A new RSA key pair: (the encrypted PKCS#8 private key, the base64 public key for `p=`)."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return encrypt(pem), base64.b64encode(public_der).decode()


def encrypt(pem: bytes) -> str:
    return _fernets().encrypt(pem).decode()


def decrypt(token: str) -> bytes:
    """The PEM of a stored private key."""
    try:
        return _fernets().decrypt(token.encode())
    except InvalidToken as exc:
        raise KeyDecryptionError(
            "this DKIM key was encrypted with a SECRET_KEY that is neither the current one nor "
            "in SECRET_KEY_FALLBACKS"
        ) from exc


def reencrypt(token: str) -> str:
    """The same private key encrypted under the current SECRET_KEY."""
    try:
        return _fernets().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise KeyDecryptionError("this DKIM key cannot be decrypted") from exc


def encrypted_with_current_key(token: str) -> bool:
    try:
        _fernet_for(settings.SECRET_KEY).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def load_pem(pem: bytes) -> RSAPrivateKey:
    """The private key object (loading one costs ~50 ms: apps/sending/signing.py caches it)."""
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, RSAPrivateKey):
        raise KeyDecryptionError("the stored DKIM key is not an RSA key")
    return key
