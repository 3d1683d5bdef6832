"""Downloading MNIST (nnlib.data.locate) from mirrors served by a local HTTP server.

The server, on 127.0.0.1, serves each file under four prefixes: ``good/`` (the file),
``corrupt/`` (the file with one byte changed, so its md5 is wrong), ``missing/`` (404),
``slow/`` (answers, sends half the file, then stalls far beyond the timeout) and
``trickle/`` (sends a byte every TRICKLE seconds, well inside the timeout, so that only
the time limit per file ends it) and ``trickle-headers/`` (the same, inside one header
line, so the answer never begins). A port where nothing listens stands for a mirror that
refuses connections. The published
md5s are swapped for those of the files served here.
"""
import dataclasses
import gzip
import hashlib
import http.server
import threading

import numpy as np
import pytest

from nnlib import data

NAMES = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
TIMEOUT = 0.5  # seconds; the slow mirror stalls for up to 30
TRICKLE = 0.05  # seconds between two bytes of the trickling mirror: a file takes minutes
TIME_LIMIT = 1.0  # seconds per file in the tests of the time limit


class Mirror(http.server.ThreadingHTTPServer):
    """A local mirror: ``files`` maps file names to bytes; ``requests`` records paths."""

    daemon_threads = True

    def __init__(self, files):
        super().__init__(("127.0.0.1", 0), MirrorHandler)
        self.files, self.requests, self.release = files, [], threading.Event()
        self.trickled = 0  # bytes the trickling mirror has sent

    def url(self, prefix):
        return f"http://127.0.0.1:{self.server_address[1]}/{prefix}/"


class MirrorHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append(self.path)
        _, prefix, name = self.path.split("/")
        body = self.server.files.get(name)
        if prefix == "missing" or body is None:
            self.send_error(404)
            return
        if prefix == "trickle-headers":  # an answer that never gets past its headers
            try:
                self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                while not self.server.release.wait(TRICKLE):
                    self.wfile.write(b"a")
                    self.wfile.flush()
            except OSError:
                pass
            return
        if prefix == "corrupt":
            body = body[:100] + bytes([body[100] ^ 1]) + body[101:]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if prefix == "trickle":
            try:
                for i in range(len(body)):
                    if self.server.release.wait(TRICKLE):
                        return
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    self.server.trickled += 1
            except OSError:
                pass  # the client cut the connection off
            return
        if prefix == "slow":
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.server.release.wait(30)
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass  # keep the test output clean


@pytest.fixture
def mirror(monkeypatch, idx_bytes, test_set):
    """A running local mirror of the two test-set files (gzipped, from ``test_set``),
    with nnlib.data.FILES holding their md5s. No data folder is set."""
    monkeypatch.delenv("NNLIB_DATA_DIR", raising=False)
    files = {f"{NAMES[0]}.gz": idx_bytes(test_set[0], gz=True),
             f"{NAMES[1]}.gz": idx_bytes(test_set[1], gz=True)}
    for name in NAMES:
        md5 = hashlib.md5(files[f"{name}.gz"]).hexdigest()
        monkeypatch.setitem(data.FILES, name, dataclasses.replace(data.FILES[name], md5=md5))
    server = Mirror(files)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


def cached(cache):
    """Names of everything in the cache folder (temporary files included)."""
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


def test_failing_mirrors_are_skipped_until_one_delivers(mirror, cache, refused_url):
    mirrors = [refused_url, mirror.url("missing"), mirror.url("corrupt"), mirror.url("slow"),
               mirror.url("good")]
    [path] = data.locate(NAMES[1:], cache_dir=cache, mirrors=mirrors, timeout=TIMEOUT)
    assert path == cache / f"{NAMES[1]}.gz"
    assert path.read_bytes() == mirror.files[path.name]
    assert cached(cache) == [path.name]  # no partial or corrupt file left behind
    assert [p.split("/")[1] for p in mirror.requests] == ["missing", "corrupt", "slow", "good"]


def test_a_corrupt_download_never_lands_in_the_cache(mirror, cache):
    with pytest.raises(data.MnistUnavailableError) as caught:
        data.locate(NAMES[1:], cache_dir=cache, mirrors=[mirror.url("corrupt")])
    assert f"{mirror.url('corrupt')}{NAMES[1]}.gz: the md5 of the downloaded file is not the " \
           "published one (corrupt); discarded" in str(caught.value)
    assert cached(cache) == []


def test_a_stalled_download_times_out_and_leaves_nothing(mirror, cache):
    with pytest.raises(data.MnistUnavailableError, match=r"no answer within the timeout \(0.5 s\)"):
        data.locate(NAMES[:1], cache_dir=cache, mirrors=[mirror.url("slow")], timeout=TIMEOUT)
    assert cached(cache) == []


def test_when_every_mirror_fails_the_error_gives_each_reason_every_missing_file_and_where(
        mirror, cache, refused_url):
    mirrors = [refused_url, mirror.url("missing"), mirror.url("slow")]
    with pytest.raises(data.MnistUnavailableError) as caught:
        data.locate(NAMES, cache_dir=cache, mirrors=mirrors, timeout=TIMEOUT)
    message = str(caught.value)
    for words in (f"{refused_url}{NAMES[0]}.gz: Connection refused",
                  f"{mirror.url('missing')}{NAMES[0]}.gz: HTTP 404",
                  f"{mirror.url('slow')}{NAMES[0]}.gz: no answer within the timeout",
                  *(f"\n  {name}.gz  (md5 {data.FILES[name].md5}" for name in NAMES),
                  "set NNLIB_DATA_DIR", f"download cache, {cache}"):
        assert words in message, f"{words!r} missing from {message}"
    # It gave up after the first file, rather than waiting for every mirror again.
    assert not any(NAMES[1] in p for p in mirror.requests)


def test_a_trickling_mirror_is_cut_off_at_the_time_limit_and_the_next_one_tried(mirror, cache):
    name = f"{NAMES[0]}.gz"
    assert len(mirror.files[name]) * TRICKLE > 20 * TIME_LIMIT   # it would take far longer
    [path] = data.locate(NAMES[:1], cache_dir=cache, mirrors=[mirror.url("trickle"),
                                                              mirror.url("good")],
                         timeout=TIMEOUT, time_limit=TIME_LIMIT)
    assert [p.split("/")[1] for p in mirror.requests] == ["trickle", "good"]
    assert path.read_bytes() == mirror.files[name]
    assert 0 < mirror.trickled < len(mirror.files[name]) / 2   # cut off early, not finished
    assert cached(cache) == [name]   # nothing partial left behind


def test_a_mirror_that_trickles_its_headers_is_cut_off_too(mirror, cache):
    [path] = data.locate(NAMES[:1], cache_dir=cache, mirrors=[mirror.url("trickle-headers"),
                                                              mirror.url("good")],
                         timeout=TIMEOUT, time_limit=TIME_LIMIT)
    assert [p.split("/")[1] for p in mirror.requests] == ["trickle-headers", "good"]
    assert path.read_bytes() == mirror.files[f"{NAMES[0]}.gz"]
    with pytest.raises(data.MnistUnavailableError, match="still downloading after the time "
                                                         r"limit \(1 s per file\)"):
        data.locate(NAMES[1:], cache_dir=cache, mirrors=[mirror.url("trickle-headers")],
                    timeout=TIMEOUT, time_limit=TIME_LIMIT)


def test_when_every_mirror_trickles_the_error_names_the_time_limit_and_leaves_nothing(
        mirror, cache, refused_url):
    mirrors = [mirror.url("trickle"), refused_url]
    with pytest.raises(data.MnistUnavailableError) as caught:
        data.locate(NAMES[1:], cache_dir=cache, mirrors=mirrors, timeout=TIMEOUT,
                    time_limit=TIME_LIMIT)
    message = str(caught.value)
    assert (f"{mirror.url('trickle')}{NAMES[1]}.gz: still downloading after the time limit "
            "(1 s per file); cut off") in message
    assert f"{refused_url}{NAMES[1]}.gz: Connection refused" in message
    assert cached(cache) == []


@pytest.mark.parametrize("time_limit", [0, -5, float("nan"), float("inf"), "60", True, None])
def test_a_time_limit_that_is_not_seconds_is_refused(time_limit, cache):
    with pytest.raises(ValueError, match=r"time_limit must be a finite number > 0 \(seconds for "
                                         r"one file from one mirror; default 300\)"):
        data.locate(NAMES, cache_dir=cache, time_limit=time_limit)


def test_a_verified_cached_file_is_used_without_the_network(mirror, cache, refused_url):
    data.locate(NAMES, cache_dir=cache, mirrors=[mirror.url("good")], progress=False)
    before = len(mirror.requests)
    data.locate(NAMES, cache_dir=cache, mirrors=[refused_url])
    assert len(mirror.requests) == before == 2


def test_a_damaged_cached_file_is_deleted_and_downloaded_again(mirror, cache):
    cache.mkdir()
    damaged = cache / f"{NAMES[1]}.gz"
    damaged.write_bytes(mirror.files[damaged.name][:-10])
    with pytest.raises(data.MnistUnavailableError):
        data.locate(NAMES[1:], cache_dir=cache, mirrors=[mirror.url("missing")])
    assert cached(cache) == []
    damaged.write_bytes(mirror.files[damaged.name][:-10])
    data.locate(NAMES[1:], cache_dir=cache, mirrors=[mirror.url("good")])
    assert damaged.read_bytes() == mirror.files[damaged.name]


def test_download_false_never_uses_the_network(mirror, cache):
    with pytest.raises(data.MnistUnavailableError, match="downloads are off"):
        data.locate(NAMES, cache_dir=cache, mirrors=[mirror.url("good")], download=False)
    assert mirror.requests == []


def test_load_small_downloads_the_test_set_on_first_use(mirror, cache, test_set):
    training, _, test = data.load_small(cache_dir=cache, mirrors=[mirror.url("good")])
    # the two downloads, and their decompressed copies (nnlib.data._DecompressedCopy)
    assert cached(cache) == ["decompressed"] + [f"{name}.gz" for name in NAMES]
    assert len(cached(cache / "decompressed")) == 2
    np.testing.assert_array_equal(test[1], test_set[1][9::10])
    assert training[0].shape == (8000, 784)


def test_the_cache_folder_comes_from_nnlib_cache_dir(mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("NNLIB_CACHE_DIR", str(tmp_path / "elsewhere"))
    [path] = data.locate(NAMES[1:], mirrors=[mirror.url("good")])
    assert path == tmp_path / "elsewhere" / f"{NAMES[1]}.gz"


def test_a_data_folder_is_searched_before_the_cache_and_the_mirrors(mirror, cache, test_set_dir):
    paths = data.locate(NAMES, data_dir=test_set_dir, cache_dir=cache, mirrors=[mirror.url("good")])
    assert [p.parent for p in paths] == [test_set_dir] * 2
    assert mirror.requests == [] and cached(cache) == []


def test_download_false_leaves_an_unverified_cached_file_alone(mirror, cache):
    """A copy that is not byte-for-byte the published one (say, re-compressed) is reported,
    not deleted, when downloads are off: only a download may replace it."""
    cache.mkdir()
    recompressed = cache / f"{NAMES[0]}.gz"
    recompressed.write_bytes(gzip.compress(gzip.decompress(mirror.files[recompressed.name]), 1))
    before = recompressed.read_bytes()
    with pytest.raises(data.MnistUnavailableError, match="md5 is not the published one"):
        data.locate(NAMES[:1], cache_dir=cache, mirrors=[mirror.url("good")], download=False)
    assert recompressed.read_bytes() == before and mirror.requests == []


@pytest.mark.parametrize("mirrors", [3, ["http://127.0.0.1:9/", 7]])
def test_mirrors_that_are_not_a_list_of_urls_are_refused(mirrors, cache):
    with pytest.raises(TypeError, match="mirrors must be a list of base URLs"):
        data.locate(NAMES, cache_dir=cache, mirrors=mirrors)


def test_mirrors_may_be_a_generator(mirror, cache):
    paths = data.locate(NAMES, cache_dir=cache, mirrors=(m for m in [mirror.url("good")]))
    assert [p.name for p in paths] == [f"{name}.gz" for name in NAMES]
