"""Reading MNIST's IDX files (nnlib.data) and the book's loader (nnlib.mnist_loader).

Files are made by the tests (conftest.py); the last tests read the real test digits in
the shared folder. No test here uses the network: the default mirrors are a refused port.
"""
import gzip
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from ci import IN_CI

from nnlib import data, mnist_loader, network2
from nnlib.data import MnistFormatError
from nnlib.network import Network

T10K = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


@pytest.fixture(autouse=True)
def _no_data_dir_from_the_environment(monkeypatch):
    monkeypatch.delenv("NNLIB_DATA_DIR", raising=False)


def write(path, content):
    path.write_bytes(content)
    return path


# -- one file -----------------------------------------------------------------------------
@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gzip"])
def test_read_idx_returns_what_was_written(tmp_path, idx_bytes, gz):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (7, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 7, dtype=np.uint8)
    got_images = data.read_idx(write(tmp_path / "i", idx_bytes(images, gz=gz)), "images")
    got_labels = data.read_idx(write(tmp_path / "l", idx_bytes(labels, gz=gz)), "labels")
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)


IMAGES = np.full((3, 28, 28), 7, dtype=np.uint8)

#: (name, how to make the file from a good one's bytes, words the error must contain).
BROKEN = [
    ("truncated-data", lambda good: good[:-100], ["truncated", "3 images", "2352 bytes", "2252"]),
    ("truncated-header", lambda good: good[:10], ["truncated inside its 10-byte header"]),
    ("empty", lambda good: b"", ["only 0 bytes long"]),
    ("truncated-gzip", lambda good: gzip.compress(good)[:-30], ["gzip data is damaged or cut"]),
    ("bad-gzip-checksum", lambda good: gzip.compress(good)[:-8] + bytes(8), ["gzip", "CRC"]),
    ("too-long", lambda good: good + b"\0", ["longer than its header says"]),
    ("wrong-magic", lambda good: bytes.fromhex("00000802") + good[4:],
     ["magic number 2050", "expected an IDX images file (magic number 2051)"]),
    ("labels-not-images", lambda good: bytes.fromhex("00000801") + good[4:],
     ["magic number 2049", "labels file: were the images and labels files swapped?"]),
    ("html-page", lambda good: b"<html><body>Not Found</body></html>", ["not an MNIST file"]),
    ("wrong-dimensions", lambda good: good[:8] + bytes.fromhex("0000001b") + good[12:],
     ["images are 27 x 28 pixels; MNIST's are 28 x 28"]),
]


@pytest.mark.parametrize("cached", [False, True], ids=["", "with-a-cache"])
@pytest.mark.parametrize("make, words", [case[1:] for case in BROKEN],
                         ids=[case[0] for case in BROKEN])
def test_a_broken_file_raises_an_error_naming_the_file_and_the_fault(tmp_path, idx_bytes,
                                                                     make, words, cached):
    path = write(tmp_path / "t10k-images-idx3-ubyte", make(idx_bytes(IMAGES)))
    cache = tmp_path / "cache" if cached else None
    with pytest.raises(MnistFormatError) as caught:
        data.read_idx(path, "images", cache)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    for word in words:
        assert word in message, f"{word!r} missing from {message!r}"
    assert not cached or not list(cache.rglob("*.idx")), "a broken file's copy was kept"


def test_a_label_outside_0_to_9_is_an_error(tmp_path, idx_bytes):
    path = write(tmp_path / "labels", idx_bytes(np.array([3, 9, 10, 1])))
    with pytest.raises(MnistFormatError, match="label 10 at position 2; digits are 0..9"):
        data.read_idx(path, "labels")


def test_a_header_claiming_a_huge_count_is_called_truncated_without_using_the_memory(
        tmp_path, idx_bytes):
    path = write(tmp_path / "images", idx_bytes(np.zeros((2, 28, 28)), dims=(2**32 - 1, 28, 28)))
    with pytest.raises(MnistFormatError, match="truncated: its header promises 4294967295"):
        data.read_idx(path, "images")


# -- the decompressed copies ------------------------------------------------------------
@pytest.fixture
def compressed(tmp_path, idx_bytes):
    """(path of a gzip-compressed images file, its images, the cache folder)."""
    images = np.random.default_rng(1).integers(0, 256, (50, 28, 28), dtype=np.uint8)
    return write(tmp_path / "images.gz", idx_bytes(images, gz=True)), images, tmp_path / "cache"


def copies(cache):
    return sorted((cache / "decompressed").glob("*.idx"))


def no_decompressing(monkeypatch):
    """Make decompressing fail: a read that succeeds then was served by the copy."""
    def refuse(path, kind):
        raise AssertionError(f"{path} was decompressed again")
    monkeypatch.setattr(data, "_decompress_idx", refuse)


def test_a_compressed_file_is_decompressed_once_and_then_read_from_its_copy(
        compressed, monkeypatch):
    path, images, cache = compressed
    np.testing.assert_array_equal(data.read_idx(path, "images", cache), images)
    (copy,) = copies(cache)
    assert copy.name == hashlib.sha256(path.read_bytes()).hexdigest() + ".idx"
    no_decompressing(monkeypatch)
    for _ in range(2):
        np.testing.assert_array_equal(data.read_idx(path, "images", cache), images)
    assert data.read_idx(path, "images", cache).flags.writeable  # as a decompressed file's


#: Ways a copy goes bad: (name, what it does to the copy's bytes). The copy is a 60-byte
#: header (magic, sha256 of the compressed file, length, CRC-32), then the IDX file.
DAMAGE = [
    ("one-pixel-changed", lambda b: b[:-1] + bytes([b[-1] ^ 1])),  # still a valid IDX file
    ("a-middle-byte-changed", lambda b: b[:len(b) // 2] + bytes([b[len(b) // 2] ^ 0x80])
     + b[len(b) // 2 + 1:]),
    ("cut-short", lambda b: b[:-1]),
    ("cut-in-its-header", lambda b: b[:40]),
    ("empty", lambda b: b""),
    ("a-byte-too-many", lambda b: b + b"\0"),
    ("length-changed", lambda b: b[:48] + (int.from_bytes(b[48:56], "little") - 1)
     .to_bytes(8, "little") + b[56:]),
    ("crc-changed", lambda b: b[:56] + bytes([b[56] ^ 1]) + b[57:]),
    ("another-files-key", lambda b: b[:16] + bytes(32) + b[48:]),
    ("not-a-copy", lambda b: b"P4\n28 28\n" + b[10:]),
]


@pytest.mark.parametrize("damage", [d[1] for d in DAMAGE], ids=[d[0] for d in DAMAGE])
def test_a_damaged_copy_is_never_used_but_made_again(compressed, monkeypatch, damage):
    path, images, cache = compressed
    data.read_idx(path, "images", cache)
    (copy,) = copies(cache)
    good = copy.read_bytes()
    copy.write_bytes(damage(good))
    np.testing.assert_array_equal(data.read_idx(path, "images", cache), images)
    assert copy.read_bytes() == good  # made again, whole
    no_decompressing(monkeypatch)
    np.testing.assert_array_equal(data.read_idx(path, "images", cache), images)


#: Reads the file argv[1] with the cache argv[2], killed by SIGKILL as it writes the copy.
KILLED_WHILE_WRITING = """
import os, signal, sys
from nnlib import data
os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)
data.read_idx(sys.argv[1], "images", sys.argv[2])
"""


def test_writes_of_the_copy_killed_part_way_leave_nothing_for_long(compressed):
    """A killed process runs no clean-up: each kill while the copy was written left a
    temporary file as big as the copy (47 MB for the training images), for ever. The
    next write of the copy, killed or not, deletes them."""
    path, images, cache = compressed
    for _ in range(2):
        killed = subprocess.run([sys.executable, "-c", KILLED_WHILE_WRITING, path, cache],
                                capture_output=True, text=True, timeout=300)
        assert killed.returncode == -9, killed.stderr[-2000:]
    folder = cache / "decompressed"
    assert len(list(folder.glob(".*.tmp"))) == 1 and copies(cache) == []  # the last kill's
    np.testing.assert_array_equal(data.read_idx(path, "images", cache), images)
    assert [p.name for p in folder.iterdir()] == [copies(cache)[0].name]


def test_a_leftover_that_cannot_be_deleted_does_not_stop_the_copy(compressed, monkeypatch):
    """Another user's leftover, say: the clean-up skips it and the copy is still made."""
    path, images, cache = compressed
    folder = cache / "decompressed"
    folder.mkdir(parents=True)
    stuck = folder / f".{hashlib.sha256(path.read_bytes()).hexdigest()}.idx.killed.tmp"
    stuck.write_bytes(b"half a copy")
    unlink = Path.unlink

    def refuse_stuck(self, missing_ok=False):
        if self == stuck:
            raise PermissionError(f"[Errno 1] Operation not permitted: '{self}'")
        return unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", refuse_stuck)
    np.testing.assert_array_equal(data.read_idx(path, "images", cache), images)
    assert len(copies(cache)) == 1 and stuck.exists()


def test_a_changed_compressed_file_is_never_read_from_the_old_files_copy(compressed, idx_bytes):
    path, images, cache = compressed
    data.read_idx(path, "images", cache)
    write(path, idx_bytes(255 - images, gz=True))
    np.testing.assert_array_equal(data.read_idx(path, "images", cache), 255 - images)
    assert len(copies(cache)) == 2


def test_the_copy_of_another_file_renamed_to_this_ones_name_is_not_used(compressed, idx_bytes):
    path, images, cache = compressed
    other = write(path.with_name("other.gz"), idx_bytes(255 - images, gz=True))
    data.read_idx(other, "images", cache)
    (copy,) = copies(cache)
    copy.rename(cache / "decompressed" / (hashlib.sha256(path.read_bytes()).hexdigest() + ".idx"))
    np.testing.assert_array_equal(data.read_idx(path, "images", cache), images)


def test_a_cache_that_cannot_be_written_only_means_decompressing_each_time(compressed):
    path, images, cache = compressed
    write(cache, b"a file where the cache folder should be")
    for _ in range(2):
        np.testing.assert_array_equal(data.read_idx(path, "images", cache), images)
    assert cache.read_bytes() == b"a file where the cache folder should be"


def test_the_data_folder_is_never_written_and_the_copies_go_in_the_cache(tmp_path, idx_bytes,
                                                                         test_set):
    folder, cache = tmp_path / "data", tmp_path / "cache"
    folder.mkdir()
    for name, array in zip(T10K, test_set):
        write(folder / f"{name}.gz", idx_bytes(array, gz=True))
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    for _ in range(2):
        splits = data.load_small(data_dir=folder, cache_dir=cache)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert len(copies(cache)) == 2
    np.testing.assert_array_equal(splits.test[1], test_set[1][9::10])


def test_the_default_cache_folder_is_poochs_for_nnlib(monkeypatch):
    """The folder downloads went to before nnlib found it without importing pooch."""
    import pooch
    monkeypatch.delenv("NNLIB_CACHE_DIR", raising=False)
    assert data.resolve_cache_dir() == Path(pooch.os_cache("nnlib")) / "mnist"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pixels_become_pixel_over_255_computed_in_the_arrays_dtype(dtype):
    """Exactly: the committed study's numbers depend on every bit of its inputs."""
    images = np.arange(256, dtype=np.uint8).reshape(1, 16, 16)
    X, labels = data.as_arrays(images, np.array([7], dtype=np.uint8), dtype)
    expected = np.arange(256, dtype=dtype) / dtype(255)
    assert X.dtype == dtype and X.shape == (1, 256) and labels.dtype == np.int64
    assert X.tobytes() == expected.tobytes()


# -- a set: images and labels together -------------------------------------------------
def test_images_and_labels_must_hold_the_same_number_of_examples(tmp_path, idx_bytes, test_set):
    images, labels = test_set
    write(tmp_path / f"{T10K[0]}.gz", idx_bytes(images, gz=True))
    write(tmp_path / T10K[1], idx_bytes(labels[:-1]))
    with pytest.raises(MnistFormatError) as caught:
        data.load_small(data_dir=tmp_path)
    message = str(caught.value)
    for words in ("10000 images", "9999 labels", T10K[0], T10K[1]):
        assert words in message


def test_a_standard_file_must_hold_the_standard_count(tmp_path, idx_bytes, test_set):
    images, labels = test_set
    write(tmp_path / T10K[0], idx_bytes(images[:100]))
    write(tmp_path / T10K[1], idx_bytes(labels[:100]))
    with pytest.raises(MnistFormatError, match="hold 100 examples; MNIST's t10k-images-idx3-ubyte "
                                               "holds 10000"):
        data.load_small(data_dir=tmp_path)


# -- arrays --------------------------------------------------------------------------------
def index_of(X):
    """The index each made-up digit encodes in its first two pixels (conftest.digits)."""
    return np.rint(X[:, 0] * 255).astype(int) + 256 * np.rint(X[:, 1] * 255).astype(int)


def test_load_small_splits_the_test_set_8000_1000_1000_by_the_last_digit_of_the_index(
        test_set_dir, test_set):
    splits = data.load_small(data_dir=test_set_dir)
    index = np.arange(10_000)
    expected = (index[index % 10 < 8], index[index % 10 == 8], index[index % 10 == 9])
    for (X, labels), want in zip(splits, expected):
        assert X.shape == (len(want), 784) and X.dtype == np.float32
        assert labels.shape == (len(want),) and labels.dtype == np.int64
        np.testing.assert_array_equal(index_of(X), want)
        np.testing.assert_array_equal(labels, test_set[1][want])
        np.testing.assert_array_equal(X, test_set[0][want].reshape(-1, 784) / np.float32(255))
    assert [len(part[0]) for part in splits] == [8000, 1000, 1000]


def test_arrays_are_in_0_1_and_float64_on_request(test_set_dir):
    X, _ = data.load_small(np.float64, data_dir=test_set_dir).training
    assert X.dtype == np.float64 and X.min() == 0.0 and X.max() == 1.0


def test_the_network_takes_the_arrays_directly(test_set_dir):
    training, validation, _ = data.load_small(data_dir=test_set_dir)
    net = Network([784, 10], seed=0)
    net.SGD(training, 1, 10, 0.5, progress=False, verbose=False)
    # The white pixel at (14, label) gives the answer away: one layer learns it at once.
    assert net.accuracy(validation) == 1000


def test_load_gives_the_books_split(full_set_dir):
    training, validation, test = data.load(data_dir=full_set_dir)
    np.testing.assert_array_equal(index_of(training[0]), np.arange(50_000))
    np.testing.assert_array_equal(index_of(validation[0]), np.arange(50_000, 60_000))
    np.testing.assert_array_equal(index_of(test[0]), np.arange(10_000))
    np.testing.assert_array_equal(validation[1], np.arange(50_000, 60_000) // 10 % 10)


def test_the_data_dir_comes_from_the_environment_when_not_given(monkeypatch, test_set_dir):
    monkeypatch.setenv("NNLIB_DATA_DIR", str(test_set_dir))
    assert len(data.load_small().test[0]) == 1000


def test_a_data_dir_that_is_not_a_folder_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("NNLIB_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(ValueError, match="NNLIB_DATA_DIR is '.*nowhere', which is not a folder"):
        data.load_small()


def test_without_files_and_without_a_network_the_error_says_what_to_put_where(tmp_path):
    with pytest.raises(data.MnistUnavailableError) as caught:
        data.load_small(data_dir=tmp_path, progress=False)
    message = str(caught.value)
    for words in (*(f"{n}.gz" for n in T10K), "Connection refused", "NNLIB_DATA_DIR",
                  f"looked in {tmp_path}", "9fb629c4189551a2d022fa330f9573f3"):
        assert words in message, f"{words!r} missing from {message!r}"


@pytest.mark.parametrize("call, error, words", [
    (lambda: data.read_idx("x", "pixels"), ValueError,
     r"kind must be one of \['images', 'labels'\]; got 'pixels'"),
    (lambda: data.load_set("training"), ValueError,
     r"MNIST's set must be one of \['train', 'test'\]; got 'training'"),
    (lambda: data.locate(["mnist.pkl.gz"]), ValueError, "unknown MNIST file 'mnist.pkl.gz'"),
    (lambda: data.locate(T10K[0]), TypeError, "names must be a list of MNIST file names"),
    (lambda: data.load_small(mirrors=[]), ValueError, "to stay offline, pass download=False"),
    (lambda: data.load_small(np.int32), ValueError, "dtype must be float32 or float64"),
    (lambda: data.load_small(data_dir=3), TypeError, "data_dir must be a path"),
    (lambda: data.load_small(cache_dir=3), TypeError, "cache_dir must be a path"),
    (lambda: data.load_small(mirrors="https://x/"), TypeError, "mirrors must be a list"),
    (lambda: data.load_small(timeout=0), ValueError,
     r"timeout must be a finite number > 0 \(seconds\), one number or a pair"),
    (lambda: data.load_small(timeout=(1, None)), ValueError, r"timeout must be .*; got None"),
])
def test_bad_arguments_say_what_was_expected(call, error, words):
    with pytest.raises(error, match=words):
        call()


# -- the book's loader -----------------------------------------------------------------------
def test_load_data_wrapper_returns_reusable_lists_in_the_books_shapes(test_set_dir, test_set):
    training, validation, test = mnist_loader.load_data_wrapper(small=True, data_dir=test_set_dir)
    assert [type(d) for d in (training, validation, test)] == [list] * 3
    assert [len(d) for d in (training, validation, test)] == [8000, 1000, 1000]
    x, y = training[3]
    assert x.shape == (784, 1) and x.dtype == np.float32
    assert y.shape == (10, 1) and y[0, 0] == 1.0 and y.sum() == 1.0  # index 3: label 0
    x, label = validation[2]  # index 28 of the test set
    assert x.shape == (784, 1) and type(label) is int and label == 2
    assert x.min() >= 0 and x.max() <= 1


def test_load_data_wrappers_pairs_are_load_datas_arrays_row_by_row(test_set_dir):
    """The pairs are views of the arrays load_data returns, the one-hot ys are the book's
    vectorized_result, and changing one pair in place changes no other."""
    pairs = mnist_loader.load_data_wrapper(small=True, data_dir=test_set_dir)
    arrays = mnist_loader.load_data(small=True, data_dir=test_set_dir)
    for part, ((X, labels), one_hot) in zip(pairs, zip(arrays, (True, False, False))):
        assert np.array_equal(np.hstack([x for x, _ in part]).T, X)
        if one_hot:
            assert all(np.array_equal(y, network2.vectorized_result(int(k)))
                       and y.dtype == np.float64 for (_, y), k in zip(part, labels))
        else:
            assert [y for _, y in part] == labels.tolist()
    (x0, y0), (x1, y1) = pairs[0][:2]
    before = x1.copy(), y1.copy()
    x0[:] = 0.5
    y0[:] = 0.0
    assert np.array_equal(x1, before[0]) and np.array_equal(y1, before[1])


def test_reading_a_data_folder_imports_no_download_code(test_set_dir):
    """pooch and requests take about a tenth of a second to import, tqdm a twentieth; the
    book's session, with the files in a data folder and the book's per-epoch lines
    instead of a progress bar, never needs them."""
    code = ("import sys; from nnlib import mnist_loader, network2; "
            f"d = mnist_loader.load_data_wrapper(small=True, data_dir={str(test_set_dir)!r}); "
            "net = network2.Network([784, 10]); "
            "net.SGD(d[0][:20], 1, 10, 0.5, evaluation_data=d[2][:20], engine='numpy', "
            "monitor_evaluation_accuracy=True); "
            "print(sorted({'pooch', 'requests', 'tqdm'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_load_data_returns_the_books_arrays(full_set_dir):
    training, validation, test = mnist_loader.load_data(data_dir=full_set_dir)
    assert [X.shape for X, _ in (training, validation, test)] == [(50_000, 784), (10_000, 784),
                                                                  (10_000, 784)]
    assert [y.shape for _, y in (training, validation, test)] == [(50_000,), (10_000,), (10_000,)]
    assert training[0].dtype == np.float32 and training[1].dtype == np.int64


# -- the real digits ------------------------------------------------------------------------
#: sha256 of the decompressed test-set files, as published in the shared folder's README.
REAL_SHA256 = {
    T10K[0]: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    T10K[1]: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
#: How many of each digit 0..9 MNIST's test set holds (published with the data set).
REAL_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def real_digits_dir():
    """The shared folder of real test digits: NNLIB_DATA_DIR (read before the function-scoped
    fixture above unsets it), else ../shared/data/mnist beside the repository. Missing, the tests using it skip, except in CI (tests/ci.py), where
    they fail: CI has the folder, so its absence there is a fault to see."""
    repo = Path(__file__).resolve().parents[1]
    for folder in (os.environ.get("NNLIB_DATA_DIR"), repo.parent / "shared" / "data" / "mnist"):
        if folder and all((Path(folder) / f"{name}.gz").is_file() for name in T10K):
            return Path(folder)
    why = "the real MNIST test digits (t10k-*.gz) are not in NNLIB_DATA_DIR or ../shared/data/mnist"
    if IN_CI:
        pytest.fail(f"in CI (CI={os.environ['CI']!r}) but {why}")
    pytest.skip(why)


def test_the_real_digits_match_their_published_sha256(real_digits_dir):
    for name, digest in REAL_SHA256.items():
        payload = gzip.decompress((real_digits_dir / f"{name}.gz").read_bytes())
        assert hashlib.sha256(payload).hexdigest() == digest, name


def test_the_real_digits_load_as_mnist_test_set(real_digits_dir):
    images, labels = data.load_set("test", data_dir=real_digits_dir)
    assert images.shape == (10_000, 28, 28)
    assert np.bincount(labels).tolist() == REAL_TEST_COUNTS
    # The same pixels as the file's bytes after its 16-byte header, read independently.
    payload = gzip.decompress((real_digits_dir / f"{T10K[0]}.gz").read_bytes())
    np.testing.assert_array_equal(images.reshape(-1), np.frombuffer(payload, np.uint8, offset=16))
    small = data.load_small(data_dir=real_digits_dir)
    assert [len(part[1]) for part in small] == [8000, 1000, 1000]
