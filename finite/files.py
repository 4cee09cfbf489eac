"""A data file: where it lives, where it comes from, and how it is known to be intact.

A file under `root` is used only after its checksum matches: the official archive's md5,
or (MNIST) the sha256 of its decompressed content, so official downloads and recompressed
copies of the same content are both accepted. A missing file is downloaded from the
mirrors in turn, checked, and written atomically; a file that fails its check is refused
by name and never used.
"""

from __future__ import annotations

import gzip
import hashlib
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

from shapeset.atomic import atomic_write_bytes


class DataError(ValueError):
    """A data file exists but is not what it should be (corrupt, truncated, malformed)."""


class MissingData(FileNotFoundError):
    """A data file is absent and could not be downloaded."""


@dataclass(frozen=True)
class DataFile:
    name: str  # path under the data set's folder
    urls: tuple[str, ...]  # mirrors, tried in order
    md5: tuple[str, ...] = ()  # accepted checksums of the file as stored
    content_sha256: str | None = None  # accepted checksum of its gunzipped content

    def check(self, data: bytes, where: str) -> None:
        if hashlib.md5(data).hexdigest() in self.md5:
            return
        if self.content_sha256 is not None:
            try:
                content = gzip.decompress(data)
            except (OSError, EOFError, zlib.error) as e:
                raise DataError(
                    f"{where}: not a readable gzip file ({e}): corrupt or truncated"
                ) from e
            if hashlib.sha256(content).hexdigest() == self.content_sha256:
                return
        raise DataError(
            f"{where}: checksum mismatch ({len(data):,} bytes, md5 "
            f"{hashlib.md5(data).hexdigest()}): corrupt, truncated or another file; delete it "
            "to download it again"
        )


def fetch(spec: DataFile, folder: Path, download: bool = True, timeout: float = 60.0) -> bytes:
    """The checked bytes of `spec` under `folder`, downloading it first if it is missing."""
    path = folder / spec.name
    if path.exists():
        data = path.read_bytes()
        spec.check(data, str(path))
        return data
    tried = []
    for url in spec.urls if download else ():
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                data = response.read()
            spec.check(data, url)
        except (OSError, DataError) as e:  # URLError is an OSError
            tried.append(f"{url} ({e})")
            continue
        atomic_write_bytes(path, data)
        return data
    how = "\n  ".join(tried) if tried else "(downloading is off)"
    raise MissingData(
        f"{path} is missing. Tried:\n  {how}\nPlace the official file there by hand "
        f"(from {spec.urls[0]}); it is checked before use."
    )
