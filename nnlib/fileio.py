"""Files written so that a crash or a full disk never leaves half a file behind (JSON,
and bytes such as nnlib.data's decompressed MNIST), and JSON read so that a file that is
not JSON says so."""
from __future__ import annotations

import glob
import json
import os
import stat
import tempfile
from pathlib import Path


def write_json_atomic(path, obj) -> None:
    """Write ``obj`` as JSON to ``path`` atomically (``_write_atomic``)."""
    _write_atomic(path, lambda f: json.dump(obj, f), mode="w")


def write_bytes_atomic(path, parts) -> None:
    """Write the bytes-like objects ``parts`` (bytes, C-contiguous arrays), one after
    another, to ``path`` atomically (``_write_atomic``)."""
    _write_atomic(path, lambda f: f.writelines(parts), mode="wb")


def _write_atomic(path, write, mode: str) -> None:
    """Call ``write(f)`` with ``f`` a temporary file beside ``path``, opened with ``mode``
    ("w" for text, "wb" for bytes); flush it to disk, then rename it over ``path`` in
    one step. On any failure the temporary file is removed and whatever was at ``path``
    before is untouched. The file gets the permissions ``open`` would give it (the
    temporary file is made readable by its owner only): a file already at ``path`` keeps
    its read/write/execute bits (not setuid, setgid or sticky, which a write clears, nor
    its owner: the file is new), and one this user may not write is refused, as ``open``
    refuses it (the rename alone would replace it); a new file gets those the umask
    allows. A symbolic link at ``path`` is written through, as ``open`` writes: the file
    it points to is replaced and the link stays."""
    path = Path(path)
    if path.is_symlink():  # write the file it points to, as open() does, keeping the link
        path = Path(os.path.realpath(path))
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: the folder {path.parent} does not exist")
    try:
        info = os.stat(path)
    except FileNotFoundError:
        permissions = 0o666 & ~_umask()
    else:
        permissions = stat.S_IMODE(info.st_mode) & 0o777
        if not os.access(path, os.W_OK):
            raise PermissionError(f"cannot write {path}: you may not write it (mode "
                                  f"{stat.filemode(info.st_mode)}, owner uid {info.st_uid}; "
                                  "left as it was); make it writable to replace it, or "
                                  "write elsewhere")
    prefix, suffix = _temporary_affixes(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=suffix)
    try:
        with os.fdopen(fd, mode) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, permissions)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def remove_leftovers(path) -> None:
    """Delete the temporary files that writes of ``path`` left beside it when their process
    was killed part-way (SIGKILL, a power cut: no clean-up runs), each as big as the file
    and never used again. A write of ``path`` under way in another process loses its
    temporary file and fails with an OSError, so call this only where that is harmless,
    as for a cache."""
    path = Path(path)
    prefix, suffix = _temporary_affixes(path)
    for leftover in path.parent.glob(f"{glob.escape(prefix)}*{suffix}"):
        try:
            leftover.unlink(missing_ok=True)
        except OSError:  # another user's, say: leave it, and still write the file
            pass


def _temporary_affixes(path: Path) -> tuple[str, str]:
    """The prefix and suffix of the names of ``_write_atomic``'s temporary files for
    ``path`` (made beside it, hidden): ``.NAME.`` and ``.tmp``."""
    return f".{path.name}.", ".tmp"


def _umask() -> int:
    """This process's umask: from /proc on Linux, else by setting it and setting it back
    (os.umask can only be read so)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def read_json(path, what: str, depth: int | None = None):
    """The JSON value in the file ``path``. A file that is not valid JSON, or whose lists
    nest so deep that the parser gives up (a damaged or crafted file), raises a
    ValueError saying that ``path`` is not ``what`` (e.g. "a results file") and why;
    ``depth``, if given, is how deep ``what``'s lists nest, for that message."""
    path = Path(path)
    try:
        return json.loads(path.read_text(), object_pairs_hook=_without_repeated_keys)
    except _RepeatedKey as e:
        raise ValueError(f"{path} is not {what}: the key {e.key!r} appears twice in one "
                         "object (edited by hand?), and which value is meant cannot be "
                         "known; keep one") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path} is not {what}: it is not valid JSON ({e})") from None
    except RecursionError:
        usual = f" ({what}'s are nested {depth} deep)" if depth else ""
        raise ValueError(f"{path} is not {what}: its lists are nested thousands deep"
                         f"{usual}") from None


class _RepeatedKey(ValueError):
    def __init__(self, key):
        super().__init__(key)
        self.key = key


def _without_repeated_keys(pairs):
    """A JSON object's (key, value) pairs as a dict; a key given twice raises _RepeatedKey
    (``json`` would keep the last value silently)."""
    record = dict(pairs)
    if len(record) < len(pairs):
        seen = set()
        raise _RepeatedKey(next(k for k, _ in pairs if k in seen or seen.add(k)))
    return record
