"""Shared fixtures for the MNIST data tests (test_data.py, test_download.py).

For every test here, the MNIST download cache is a temporary folder and the default
mirrors are a local port where nothing listens: no test reads or writes the user's cache
or downloads MNIST from the internet, whatever it calls.
"""
import gzip
import socket

import numpy as np
import pytest

import nnlib.data


@pytest.fixture(scope="session")
def refused_url():
    """A URL on 127.0.0.1 whose connections are refused: a port bound but not listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"


@pytest.fixture(autouse=True, scope="session")
def _no_user_cache_or_internet(tmp_path_factory, refused_url):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NNLIB_CACHE_DIR", str(tmp_path_factory.mktemp("mnist-cache")))
        mp.setattr(nnlib.data, "MIRRORS", (refused_url,))
        yield


def _idx_bytes(array, magic=None, dims=None):
    """An IDX file's bytes for uint8 ``array``: (n, rows, cols) images or (n,) labels.
    ``magic`` and ``dims`` override the header, to make broken files."""
    array = np.asarray(array, dtype=np.uint8)
    if magic is None:
        magic = 2051 if array.ndim == 3 else 2049
    header = np.array([magic, *(array.shape if dims is None else dims)], dtype=">u4")
    return header.tobytes() + array.tobytes()


@pytest.fixture
def idx_bytes():
    """``idx_bytes(array, magic=None, dims=None, gz=False)``: an IDX file's bytes."""
    def make(array, magic=None, dims=None, gz=False):
        data = _idx_bytes(array, magic, dims)
        return gzip.compress(data, compresslevel=1, mtime=0) if gz else data
    return make


def digits(n):
    """n made-up "digits": labels (n,) = (i // 10) % 10, so that every part of the small
    split (which goes by i % 10) has every digit; images (n, 28, 28) uint8, black but for
    the first two pixels, which encode the index i (i % 256, i // 256), and a white pixel
    at (14, label). Mostly zeros, so they compress fast."""
    index = np.arange(n)
    labels = (index // 10 % 10).astype(np.uint8)
    images = np.zeros((n, 28, 28), dtype=np.uint8)
    images[:, 0, 0], images[:, 0, 1] = index % 256, index // 256
    images[index, 14, labels] = 255
    return images, labels


@pytest.fixture(scope="session")
def test_set():
    """10,000 made-up digits in the shape of MNIST's test set: (images, labels)."""
    return digits(10_000)


@pytest.fixture(scope="session")
def test_set_dir(tmp_path_factory, test_set):
    """A data folder with the two test-set files: images uncompressed, labels gzipped."""
    folder = tmp_path_factory.mktemp("mnist-test-set")
    images, labels = test_set
    (folder / "t10k-images-idx3-ubyte").write_bytes(_idx_bytes(images))
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(_idx_bytes(labels)))
    return folder


@pytest.fixture(scope="session")
def full_set_dir(tmp_path_factory, test_set):
    """A data folder with all four files, gzipped: 60,000 training and 10,000 test
    made-up digits (the test set as ``test_set``)."""
    folder = tmp_path_factory.mktemp("mnist-full")
    for prefix, (images, labels) in (("train", digits(60_000)), ("t10k", test_set)):
        for name, array in ((f"{prefix}-images-idx3-ubyte", images),
                            (f"{prefix}-labels-idx1-ubyte", labels)):
            (folder / f"{name}.gz").write_bytes(gzip.compress(_idx_bytes(array), 1, mtime=0))
    return folder


@pytest.fixture(scope="session")
def real_mnist_dir():
    """The folder of the real MNIST files, all four (NNLIB_DATA_DIR, as the test command
    sets it, else ../shared/data/mnist beside the repository). Missing, the tests using it
    skip, except in CI (tests/ci.py), where they fail: CI has the folder, so its absence
    there is a fault to see."""
    import os
    from pathlib import Path

    from ci import IN_CI

    repo = Path(__file__).resolve().parents[1]
    names = [f"{name}.gz" for name in nnlib.data.FILES]
    for folder in (os.environ.get("NNLIB_DATA_DIR"), repo.parent / "shared" / "data" / "mnist"):
        if folder and all((Path(folder) / name).is_file() for name in names):
            return Path(folder)
    why = f"the real MNIST files ({', '.join(names)}) are not in NNLIB_DATA_DIR or ../shared/data/mnist"
    if IN_CI:
        pytest.fail(f"in CI (CI={os.environ['CI']!r}) but {why}")
    pytest.skip(why)
