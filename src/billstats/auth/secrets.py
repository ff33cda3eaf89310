"""Secret generation and hashing.

API key secrets are 256-bit random values, so a fast keyed hash is the right tool (a slow
password hash adds latency to every request without adding security against guessing).
Stored form: ``sha256$<hex>``; comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

HASH_SCHEME = "sha256"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_public_id(prefix: str, length: int = 16) -> str:
    alphabet = "abcdefghijkmnopqrstuvwxyz23456789"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


def hash_secret(secret: str) -> str:
    return f"{HASH_SCHEME}${hashlib.sha256(secret.encode()).hexdigest()}"


def verify_secret(secret: str, stored: str) -> bool:
    scheme, _, digest = stored.partition("$")
    if scheme != HASH_SCHEME:
        return False
    candidate = hashlib.sha256(secret.encode()).hexdigest()
    return hmac.compare_digest(candidate.encode(), digest.encode())
