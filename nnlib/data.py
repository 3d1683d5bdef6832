"""MNIST from its four standard IDX files: found on this machine, or downloaded and verified.

Where the files are looked for, in this order:

1. **A data folder**: the ``data_dir`` argument, else the environment variable
   ``NNLIB_DATA_DIR``. Each file may be there as ``NAME.gz`` or uncompressed as ``NAME``
   (``NAME`` is e.g. ``t10k-images-idx3-ubyte``). These are the user's own copies, often
   re-compressed, so their compressed bytes are not compared with anything; their
   structure is checked instead (below).
2. **The download cache**: ``NNLIB_CACHE_DIR``, else the per-user cache folder
   (``pooch.os_cache("nnlib")/mnist``, e.g. ``~/.cache/nnlib/mnist`` on Linux). It only
   ever holds ``NAME.gz`` files whose md5 equals the one published for the upstream file
   (and, in its folder ``decompressed``, the decompressed copies described below).
3. **The mirrors** in ``MIRRORS`` (or the ``mirrors`` argument), tried in order, each with a
   timeout for every read and a time limit for the whole file (``DEFAULT_TIME_LIMIT``,
   ``time_limit=``): a mirror that trickles its bytes is cut off and the next one tried.
   A download goes to a temporary file in the cache folder and is renamed to ``NAME.gz``
   only once its md5 matches; otherwise it is deleted and the next mirror is tried. If no
   mirror delivers, ``MnistUnavailableError`` gives each mirror's reason, the files needed
   and where to put them.

Every file is checked when read (``read_idx``): the magic number (2051 images, 2049
labels), 28 x 28 images, that the file holds exactly the bytes its header promises (no
more, no less), labels 0..9, that the images and labels files hold the same number of
examples, and that this is the standard count (60,000 training, 10,000 test). A file that
fails raises ``MnistFormatError`` naming the file and what is wrong. Nothing is unpickled.

Decompressing the 60,000 training images takes a quarter of a second, in every process
that reads them, so ``load_set`` keeps a decompressed copy of each gzip-compressed file in
the download cache's folder ``decompressed`` (``_DecompressedCopy``: named by the sha256
of the compressed file, with the CRC-32 and length of its contents; a copy that is cut
short or damaged is never used but made again). The data folder is never written to, and
a cache that cannot be written only means decompressing each time.

Arrays: ``load()`` gives the book's split (the first 50,000 training images for training,
the last 10,000 for validation, the 10,000 test images for testing) as ``(X, labels)``
pairs, X an ``(n, 784)`` float array in [0, 1] and labels ``(n,)`` int64, which
``nnlib.network.Network`` accepts directly. ``load_small()`` is the small real-digits mode:
it needs only the two test-set files and splits their 10,000 digits 8,000 / 1,000 / 1,000.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import re
import socket
import struct
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import platformdirs

from . import checks
from .fileio import remove_leftovers, write_bytes_atomic

#: Public copies of MNIST's four .gz files, tried in this order: the S3 bucket torchvision
#: uses, the Google Cloud bucket TensorFlow uses, and the original page.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

#: Seconds to wait for a mirror: (to connect, for each piece of data once connected).
#: With no network every mirror fails within the first number, so within seconds in all.
DEFAULT_TIMEOUT = (3.0, 20.0)

#: Seconds a mirror has to deliver one whole file, from the request to the last byte. The
#: read timeout starts again with every piece of data, so a mirror sending a byte every
#: few seconds would never trip it; past this limit the download is cut off and the next
#: mirror tried. 300 s lets the largest file (9.9 MB) come at 33 kB/s.
DEFAULT_TIME_LIMIT = 300.0

ROWS = COLS = 28
MAGIC = {"images": 2051, "labels": 2049}  # big-endian int32 at the start of an IDX file
_DIMENSIONS = {"images": 3, "labels": 1}  # numbers after the magic: count (, rows, cols)


@dataclass(frozen=True)
class MnistFile:
    """One of MNIST's four files: its standard name (without ``.gz``), whether it holds
    images or labels, how many, and the md5 of the upstream gzip-compressed file."""

    name: str
    kind: str
    count: int
    md5: str

    @property
    def gz_name(self) -> str:
        return self.name + ".gz"


FILES = {f.name: f for f in (
    MnistFile("train-images-idx3-ubyte", "images", 60_000, "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
    MnistFile("train-labels-idx1-ubyte", "labels", 60_000, "d53e105ee54ea40749a09fcbcd1e9432"),
    MnistFile("t10k-images-idx3-ubyte", "images", 10_000, "9fb629c4189551a2d022fa330f9573f3"),
    MnistFile("t10k-labels-idx1-ubyte", "labels", 10_000, "ec29112dd5afa0611ce80d1b7f02629c"),
)}

#: The (images, labels) files of MNIST's two sets.
SETS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

#: The book's split of the 60,000 training images: training first, validation after.
N_TRAINING = 50_000


class MnistFormatError(ValueError):
    """An MNIST file is damaged or is not the file it should be."""


class MnistUnavailableError(FileNotFoundError):
    """MNIST files are not on this machine and could not be downloaded."""


class Splits(NamedTuple):
    """Training, validation and test data, each an ``(X, labels)`` pair of arrays:
    X ``(n, 784)`` float in [0, 1], labels ``(n,)`` int64 digits 0..9."""

    training: tuple
    validation: tuple
    test: tuple


# -- reading ---------------------------------------------------------------------------
def read_idx(path, kind: str, cache_dir=None) -> np.ndarray:
    """The uint8 contents of an MNIST IDX file, gzip-compressed or not.

    ``kind`` is ``"images"`` (returns ``(n, 28, 28)``) or ``"labels"`` (returns ``(n,)``).
    Raises ``MnistFormatError`` naming the file if its magic number, image size or length
    is wrong, if a label is not 0..9, or if its gzip data is damaged.

    ``cache_dir``: a folder for a decompressed copy of a gzip-compressed file (see
    ``_DecompressedCopy``), which spares later reads the decompression (a quarter of a
    second for the 60,000 training images); None decompresses every time. The file at
    ``path`` is never written to.
    """
    checks.choice("kind", kind, MAGIC)
    path = Path(path)
    with open(path, "rb") as f:
        if f.read(2) != b"\x1f\x8b":  # not gzip-compressed: read as it is
            f.seek(0)
            return _parse_idx(f, path, kind)[1]
    if cache_dir is None:
        return _decompress_idx(path, kind)[1]
    copy = _DecompressedCopy(path, Path(cache_dir))
    payload = copy.read()
    if payload is None:
        header, array = _decompress_idx(path, kind)
        copy.write(header, array)
        return array
    return _idx_array(payload, path, kind)


def _decompress_idx(path, kind):
    """(header, array) of the gzip-compressed IDX file at ``path`` (``_parse_idx``)."""
    try:
        with gzip.open(path, "rb") as f:
            return _parse_idx(f, path, kind)
    except (EOFError, gzip.BadGzipFile, zlib.error) as e:
        raise MnistFormatError(f"{path}: the gzip data is damaged or cut short ({e}); "
                               "download or copy the file again") from None


def _parse_idx(f, path, kind):
    """(header bytes, array) from the open file ``f``: the header, then exactly the
    bytes it promises. Read in pieces, so a header claiming an absurd size cannot make
    it allocate more memory than the file holds."""
    header = _read_up_to(f, _header_size(kind))
    n = _check_header(header, path, kind)
    return header, _as_idx_array(_read_up_to(f, _data_size(n, kind) + 1), n, path, kind)


def _idx_array(payload, path, kind):
    """The array of a whole IDX file's bytes ``payload``, in memory: the same checks as
    ``_parse_idx``, and the array is a view of ``payload`` (no copy)."""
    payload = memoryview(payload).cast("B")
    size = _header_size(kind)
    n = _check_header(payload[:size], path, kind)
    return _as_idx_array(payload[size:], n, path, kind)


def _header_size(kind):
    return 4 * (1 + _DIMENSIONS[kind])


def _data_size(n, kind):
    return n * ROWS * COLS if kind == "images" else n


def _check_header(header, path, kind) -> int:
    """The number of examples the IDX ``header`` promises, after checking its magic
    number and image size."""
    what = f"an IDX {kind} file (magic number {MAGIC[kind]})"
    if len(header) < 4:
        raise MnistFormatError(f"{path}: only {len(header)} bytes long; expected {what}")
    magic = int.from_bytes(header[:4], "big")
    if magic != MAGIC[kind]:
        other = {v: k for k, v in MAGIC.items()}.get(magic)
        hint = (f"that is a {other} file: were the images and labels files swapped?" if other
                else "this is not an MNIST file, or it is damaged")
        raise MnistFormatError(f"{path}: magic number {magic}; expected {what}: {hint}")
    if len(header) < _header_size(kind):
        raise MnistFormatError(f"{path}: truncated inside its {len(header)}-byte header")
    n, *size = (int(d) for d in np.frombuffer(header, ">u4")[1:])
    if kind == "images" and size != [ROWS, COLS]:
        raise MnistFormatError(f"{path}: images are {size[0]} x {size[1]} pixels; MNIST's are "
                               f"{ROWS} x {COLS}")
    return n


def _as_idx_array(data, n, path, kind):
    """The bytes after the header as the array of ``n`` images or labels, after checking
    that they are exactly as many as promised and, for labels, digits 0..9."""
    expected = _data_size(n, kind)
    if len(data) < expected:
        raise MnistFormatError(f"{path}: truncated: its header promises {n} {kind} "
                               f"({expected} bytes after the header) but only {len(data)} "
                               "bytes follow; download or copy the file again")
    if len(data) > expected:
        raise MnistFormatError(f"{path}: longer than its header says: there are bytes after "
                               f"the {n} {kind} it promises; is it damaged or two files joined?")
    array = np.frombuffer(data, np.uint8).reshape((n, ROWS, COLS) if kind == "images" else n)
    if kind == "labels" and n and array.max() > 9:
        i = int(np.argmax(array > 9))
        raise MnistFormatError(f"{path}: label {array[i]} at position {i}; digits are 0..9")
    return array


def _read_up_to(f, n: int) -> bytearray:
    """Up to n bytes of f, fewer only where the file ends. Reads in pieces, so a header
    claiming an absurd size cannot make it allocate more memory than the file holds."""
    data = bytearray()
    while len(data) < n:
        piece = f.read(min(n - len(data), 1 << 22))
        if not piece:
            break
        data += piece
    return data


class _DecompressedCopy:
    """A decompressed copy of the gzip-compressed IDX file ``source``, kept in
    ``folder/decompressed``, named by the sha256 of the compressed file (so that a
    changed file never finds the copy of another), and made to check itself: a header
    (``MAGIC``, that sha256, the length and the CRC-32 of the bytes that follow), then
    the whole IDX file. ``read`` returns the IDX bytes only when all of it agrees, so a
    copy cut short, damaged or of another file is never used: it is made again. The copy
    is written to a temporary file and renamed, so a reader never sees half of one (the
    temporary files of writes killed part-way are deleted when the copy is next written);
    where the folder cannot be written (a read-only cache), nothing is kept and each
    read decompresses. The IDX bytes are checked again by ``_idx_array`` when read, as
    a file's are."""

    MAGIC = b"nnlib-gunzip-v1\n"
    _HEADER = struct.Struct("<16s32sQI")  # MAGIC, sha256, length, CRC-32 (little-endian)

    def __init__(self, source: Path, folder: Path):
        digest = hashlib.sha256()
        with open(source, "rb") as f:
            while piece := f.read(1 << 20):
                digest.update(piece)
        self.key = digest.digest()
        self.path = folder / "decompressed" / f"{digest.hexdigest()}.idx"

    def read(self):
        """The IDX bytes of the copy (a uint8 array), or None if there is no intact one."""
        try:
            with open(self.path, "rb") as f:
                header = f.read(self._HEADER.size)
                if len(header) != self._HEADER.size:
                    return None
                magic, key, length, crc = self._HEADER.unpack(header)
                if (magic != self.MAGIC or key != self.key
                        or os.fstat(f.fileno()).st_size != self._HEADER.size + length):
                    return None
                payload = np.empty(length, np.uint8)
                if f.readinto(payload) != length:
                    return None
        except OSError:
            return None  # no copy yet, or one that cannot be read
        return payload if zlib.crc32(payload) == crc else None

    def write(self, header: bytes, array: np.ndarray) -> None:
        """Keep ``header`` + ``array`` (an IDX file's bytes) as the copy, if the folder
        can be written."""
        crc = zlib.crc32(array, zlib.crc32(header))
        record = self._HEADER.pack(self.MAGIC, self.key, len(header) + array.nbytes, crc)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            remove_leftovers(self.path)  # of writes of this copy killed part-way
            write_bytes_atomic(self.path, (record, header, array))
        except OSError:
            pass  # a read-only cache: the copy only saves time


def read_set(paths, names=None, cache_dir=None) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(n, 28, 28)`` and labels ``(n,)`` (uint8) from an (images, labels) pair of
    files, checked to agree with each other and, for the standard file ``names``, to hold
    the standard number of examples. ``cache_dir``: as for ``read_idx``."""
    images_path, labels_path = paths
    images = read_idx(images_path, "images", cache_dir)
    labels = read_idx(labels_path, "labels", cache_dir)
    if len(images) != len(labels):
        raise MnistFormatError(f"{images_path} holds {len(images)} images but {labels_path} "
                               f"holds {len(labels)} labels; they must be the same set, "
                               "complete (one of them is from another set or cut short)")
    if names is not None and len(images) != FILES[names[0]].count:
        raise MnistFormatError(f"{images_path} and {labels_path} hold {len(images)} examples; "
                               f"MNIST's {names[0]} holds {FILES[names[0]].count}")
    return images, labels


# -- finding and downloading ------------------------------------------------------------
def resolve_data_dir(path=None) -> Path | None:
    """The data folder: ``path``, else ``NNLIB_DATA_DIR``, else None. It must exist."""
    source = "data_dir"
    if path is None:
        path, source = os.environ.get("NNLIB_DATA_DIR") or None, "NNLIB_DATA_DIR"
    if path is None:
        return None
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"data_dir must be a path (str or pathlib.Path); got {type(path).__name__}")
    path = Path(path).expanduser()
    if not path.is_dir():
        raise ValueError(f"{source} is {str(path)!r}, which is not a folder; point it at the "
                         "folder holding the MNIST files, or leave it unset")
    return path


def resolve_cache_dir(path=None) -> Path:
    """The download cache: ``path``, else ``NNLIB_CACHE_DIR``, else the per-user cache."""
    if path is None:
        path = os.environ.get("NNLIB_CACHE_DIR") or None
    if path is None:  # the folder pooch.os_cache("nnlib") names, without importing pooch
        return Path(platformdirs.user_cache_dir("nnlib")) / "mnist"
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"cache_dir must be a path (str or pathlib.Path); got "
                        f"{type(path).__name__}")
    return Path(path).expanduser()


def locate(names, *, data_dir=None, cache_dir=None, mirrors=None, timeout=DEFAULT_TIMEOUT,
           time_limit=DEFAULT_TIME_LIMIT, download=True, progress=True) -> list[Path]:
    """The paths of the MNIST files ``names`` (standard names, as in ``FILES``), from the
    data folder, else the cache (md5 verified), else downloaded into the cache.

    ``mirrors`` (default ``MIRRORS``) are base URLs; ``timeout`` is seconds, one number or
    (connect, read), for each wait on a mirror; ``time_limit`` is seconds for one file from
    one mirror in all (default ``DEFAULT_TIME_LIMIT``); ``download=False`` never uses the
    network; ``progress`` shows a progress bar (tqdm.auto) while downloading. Raises
    ``MnistUnavailableError`` listing each mirror's reason, what is missing and where to put
    it when a file can be neither found nor downloaded.
    """
    if isinstance(names, str):
        raise TypeError(f"names must be a list of MNIST file names; got the string {names!r} "
                        f"(write [{names!r}])")
    unknown = [n for n in names if n not in FILES]
    if unknown:
        raise ValueError(f"unknown MNIST file {unknown[0]!r}; expected one of {sorted(FILES)}")
    folder = resolve_data_dir(data_dir)
    local = {n: _in_folder(FILES[n], folder) for n in names}
    # The default cache is pooch's folder: found only when a file is not in the data folder.
    cache = None if cache_dir is None and all(local.values()) else resolve_cache_dir(cache_dir)
    mirrors = _check_mirrors(MIRRORS if mirrors is None else mirrors)
    for part in timeout if isinstance(timeout, tuple) and len(timeout) == 2 else (timeout,):
        checks.real("timeout", part, positive=True,
                    detail=" (seconds), one number or a pair (connect, read)")
    checks.real("time_limit", time_limit, positive=True, detail=f" (seconds for one file "
                f"from one mirror; default {DEFAULT_TIME_LIMIT:g})")
    local = {n: _in_folder(FILES[n], folder) for n in names}
    paths = []
    for name in names:
        try:
            paths.append(local[name] or _from_cache(FILES[name], cache,
                                                    mirrors if download else (), timeout,
                                                    time_limit, progress))
        except _MirrorsFailed as failed:
            needed = [FILES[n] for n in names if not local[n] and not _verified(FILES[n], cache)]
            raise MnistUnavailableError(_unavailable_message(
                FILES[name], failed.reasons, needed, folder, cache)) from None
    return paths


def _in_folder(file: MnistFile, folder: Path | None) -> Path | None:
    """``NAME.gz`` or ``NAME`` in the data folder, if there."""
    if folder is None:
        return None
    for candidate in (folder / file.gz_name, folder / file.name):
        if candidate.is_file():
            return candidate
    return None


def _verified(file: MnistFile, cache: Path) -> bool:
    import pooch
    path = cache / file.gz_name
    return path.is_file() and pooch.file_hash(str(path), alg="md5") == file.md5


class _MirrorsFailed(Exception):
    """No mirror delivered a file; ``reasons`` has a line per mirror tried."""

    def __init__(self, reasons):
        super().__init__(reasons)
        self.reasons = reasons


def _from_cache(file: MnistFile, cache: Path, mirrors, timeout, time_limit, progress) -> Path:
    """The cached ``NAME.gz`` if its md5 is right, else the first mirror's copy whose md5
    is, saved there atomically (by pooch: a temporary file, renamed once verified). Each
    mirror gets ``time_limit`` seconds for the file (``_Deadline``)."""
    import pooch
    import requests
    target = cache / file.gz_name
    if _verified(file, cache):
        return target
    if target.exists():
        if not mirrors:  # downloads are off: leave the file alone and say what is wrong
            raise _MirrorsFailed([f"{target} is in the cache, but its md5 is not the published "
                                  "one (a re-compressed copy belongs in NNLIB_DATA_DIR, where "
                                  "files are checked by structure)"])
        target.unlink()  # an unverified file never stays in the cache
    failures = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + file.gz_name
        bar = _ProgressBar(file.gz_name) if progress else False
        try:
            with _Deadline(time_limit) as deadline:
                _within(time_limit, deadline, lambda: pooch.retrieve(
                    url, f"md5:{file.md5}", fname=file.gz_name, path=cache,
                    downloader=pooch.HTTPDownloader(
                        progressbar=bar, timeout=timeout, chunk_size=1 << 16,
                        hooks={"response": deadline.watch})))
            return target
        except Exception as e:  # a cut-off connection can fail in several ways
            if deadline.expired:
                failures.append(f"{url}: still downloading after the time limit "
                                f"({time_limit:g} s per file); cut off (a longer "
                                "time_limit= allows slower mirrors)")
            elif isinstance(e, (requests.RequestException, ValueError)):
                failures.append(f"{url}: {_reason(e, timeout)}")
            else:
                raise
        finally:
            if bar:
                bar.close()
    raise _MirrorsFailed(failures)


def _within(seconds: float, deadline, download) -> None:
    """Run ``download()`` in a thread and wait for it ``seconds`` (and a moment for the
    cut-off connection to end it): the deadline's socket shutdown ends a download whose
    body trickles, and this ends the wait for one that trickles its headers, before any
    socket is known. A download given up on goes on in its thread until its connection
    fails; pooch writes the cache only once the md5 is verified, so it can do no harm."""
    outcome = []

    def run():
        try:
            download()
            outcome.append(None)
        except BaseException as error:  # handed to the caller's thread
            outcome.append(error)

    worker = threading.Thread(target=run, daemon=True, name="nnlib-mnist-download")
    worker.start()
    worker.join(seconds + 2.0)
    if not outcome:
        deadline.expired = True
        raise TimeoutError(f"no complete answer within {seconds:g} s")
    if outcome[0] is not None:
        raise outcome[0]


class _Deadline:
    """Cuts a download off ``seconds`` after it starts, however slowly its data trickles.

    A timer thread shuts the connection's socket down when time is up, which ends the
    read waiting on it at once (the download then fails, and pooch deletes its temporary
    file); ``expired`` says that this is why. ``watch`` is a requests response hook: as
    soon as the server answers, it keeps a duplicate of the connection's socket (the
    shutdown reaches the connection through it, even when it is TLS). Use it as a context
    manager around the download, so that the timer stops when the download ends."""

    def __init__(self, seconds: float):
        self.expired = False
        self._socket = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc_info):
        self._timer.cancel()
        with self._lock:
            if self._socket is not None:
                self._socket.close()   # the duplicate only; requests closes its own

    def watch(self, response, **kwargs):
        try:
            duplicate = socket.fromfd(response.raw.fileno(), socket.AF_INET,
                                      socket.SOCK_STREAM)
        except OSError:   # no socket left: the whole answer is already here
            duplicate = None
        with self._lock:
            if self._socket is not None:   # a redirect: the earlier answer is done with
                self._socket.close()
            self._socket = duplicate
            if self.expired:   # time ran out while connecting
                self._cut()
        return response

    def _expire(self):
        with self._lock:
            self.expired = True
            self._cut()

    def _cut(self):
        if self._socket is None:
            return
        try:
            self._socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed: the download ended just as time ran out


def _reason(error: Exception, timeout) -> str:
    """A short reason a download failed, for the error message."""
    import requests
    text = str(error)
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return f"HTTP {error.response.status_code} {error.response.reason}"
    if isinstance(error, requests.Timeout) or "timed out" in text:
        return f"no answer within the timeout ({timeout} s)"
    if isinstance(error, ValueError) and "hash" in text:
        return "the md5 of the downloaded file is not the published one (corrupt); discarded"
    errno = re.search(r"\[Errno -?\d+\] ([^'\"\)]+)", text)
    return errno.group(1).strip() if errno else text


class _ProgressBar:
    """A tqdm.auto bar (a widget in Jupyter, text elsewhere) behind the interface pooch
    drives (``total``, ``update``, ``reset``, ``close``). It appears only once the server
    has answered and the size is known, so failing mirrors leave no empty bars."""

    def __init__(self, name: str):
        self.name, self._bar = name, None

    @property
    def total(self):
        return self._bar.total if self._bar else None

    @total.setter
    def total(self, size):
        from tqdm.auto import tqdm  # here only: importing it takes a twentieth of a second
        self._bar = tqdm(total=size or None, desc=self.name, unit="B", unit_scale=True,
                         unit_divisor=1024)

    def update(self, n):
        self._bar.update(n)

    def reset(self):
        self._bar.reset(total=self._bar.total)

    def close(self):
        if self._bar is not None:
            self._bar.close()


def _unavailable_message(file, failures, needed, folder, cache) -> str:
    tried = "".join(f"\n  {line}" for line in failures) or " downloads are off (download=False)"
    files = "".join(f"\n  {f.gz_name}  (md5 {f.md5}; or uncompressed as {f.name})"
                    for f in needed)
    where = f"looked in {folder}" if folder else "none is set now"
    return (f"MNIST file {file.gz_name} is not on this machine and could not be downloaded:"
            f"{tried}\nFiles needed:{files}\n"
            f"To use copies from elsewhere (e.g. on a machine without internet), put them, "
            f"gzip-compressed or not, in a folder and set NNLIB_DATA_DIR to it, or pass "
            f"data_dir=... ({where}). Files exactly as published (the md5 above) can also "
            f"go in the download cache, {cache}.")


def _check_mirrors(mirrors):
    mirrors = tuple(checks.sequence("mirrors", mirrors, "base URLs (strings)",
                                    f"[{MIRRORS[0]!r}]", of=str))
    if not mirrors:
        raise ValueError("mirrors is empty; to stay offline, pass download=False instead")
    return mirrors


# -- arrays ------------------------------------------------------------------------------
def load_set(name: str, **where) -> tuple[np.ndarray, np.ndarray]:
    """MNIST's ``"train"`` (60,000) or ``"test"`` (10,000) set as uint8 images
    ``(n, 28, 28)`` and labels ``(n,)``. ``where``: the keywords of ``locate``.
    gzip-compressed files are decompressed once: the copy is kept in the download
    cache's folder ``decompressed`` (``read_idx``)."""
    checks.choice("MNIST's set", name, SETS)
    paths = locate(SETS[name], **where)
    return read_set(paths, SETS[name], resolve_cache_dir(where.get("cache_dir")))


def as_arrays(images, labels, dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images ``(n, 28, 28)`` and labels ``(n,)`` -> X ``(n, 784)`` of ``dtype`` in
    [0, 1] (pixel / 255, one image a row) and int64 labels: what the network takes."""
    # one pass: each uint8 converted to dtype and divided there, as astype then /= 255 does
    X = np.divide(images.reshape(len(images), -1), 255, dtype=checks.float_dtype(dtype))
    return X, labels.astype(np.int64)


def load(dtype=np.float32, **where) -> Splits:
    """The book's MNIST split as arrays: training = the first 50,000 training images,
    validation = the other 10,000, test = the 10,000 test images.

    Needs all four files (downloaded on first use). ``where``: the keywords of
    ``locate`` (data_dir, cache_dir, mirrors, timeout, time_limit, download, progress)."""
    dtype = checks.float_dtype(dtype)  # checked before anything is read
    X, y = as_arrays(*load_set("train", **where), dtype)
    return Splits((X[:N_TRAINING], y[:N_TRAINING]), (X[N_TRAINING:], y[N_TRAINING:]),
                  as_arrays(*load_set("test", **where), dtype))


def small_split(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices of the small mode's training, validation and test parts of n examples:
    by the last digit of the index, 0-7 training, 8 validation, 9 test.

    Every part takes evenly from the whole test set, whose first 5,000 digits are neater
    than its last 5,000 (they come from different groups of writers), and the split
    needs no random numbers, so it is the same everywhere."""
    index = np.arange(n)
    return index[index % 10 < 8], index[index % 10 == 8], index[index % 10 == 9]


def load_small(dtype=np.float32, **where) -> Splits:
    """The small real-digits mode: MNIST's 10,000 test digits split 8,000 training /
    1,000 validation / 1,000 test (``small_split``), as arrays like ``load``'s.

    Needs only the two test-set files (``t10k-*``): for quick runs, demos without a
    network connection and CI. ``where``: the keywords of ``locate``."""
    dtype = checks.float_dtype(dtype)  # checked before anything is read
    X, y = as_arrays(*load_set("test", **where), dtype)
    return Splits(*((X[part], y[part]) for part in small_split(len(X))))
