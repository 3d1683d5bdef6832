"""How long does the book's session take, from python's start to the last epoch's accuracy?

    .venv/bin/python benchmarks/bench_session.py              # 5 rounds, about 2 minutes
    .venv/bin/python benchmarks/bench_session.py --rounds 9   # firmer medians

Runs the README's "The book's session, in Python 3" (read from README.md, so it is the
code a reader runs, verbatim) as a whole process, ``python -c CODE``: start Python, import
nnlib, read MNIST with ``mnist_loader.load_data_wrapper`` (lists of 50,000 training and
10,000 test pairs), and train [784, 30, 10] in float64 for 30 epochs with the test
accuracy after each. Each round times one such process from its start to the moment it
prints the last epoch's accuracy (the issue's measure; its output is read as it comes) and
to its exit, and prints nothing until the end: the median and range over the rounds, of
these wall times and of the CPU time the process used (on a shared machine the CPU time
drifts less).

Between the sessions, in this process, it times what one ``SGD`` call spends checking and
converting 50,000 training pairs (an SGD call of 0 epochs) for three forms of the same
digits: the pairs ``nnlib.mnist_loader`` makes (views of one float32 array, one-hot
views of one array); pairs built as the book's ``mnist_loader`` builds them, each x its
own (784, 1) float64 column and each y a (10, 1) column from ``vectorized_result``; and,
as the floor, arrays ``(X, labels)`` already in float64.

Last, one more session, with a time stamp after each step (and two extra SGD calls of
0 epochs before the training, to time its conversion alone: the first big arrays a
process makes cost more), shows where the time goes. It imports nnlib.sgd_kernel (numba
and scipy) as a step of its own, which the session's first SGD call does otherwise.
The first run in a new environment also compiles the training loop (numba) and
decompresses MNIST: a session run first, untimed, fills numba's cache and nnlib's
decompressed copies of the MNIST files (nnlib.data, in the download cache's folder).

MNIST is read from NNLIB_DATA_DIR, else ../shared/data/mnist beside the checkout (as the
test command does), else nnlib's download cache.
"""
import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from nnlib import data, mnist_loader
from nnlib.network import Network
from nnlib.network2 import vectorized_result

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
EPOCHS = 30  # the README's session trains 30 epochs

#: The README's session, with a time stamp after each step and its conversion timed alone.
TIMED_STEPS = """\
import json, time
stamps = {"start python": time.time()}
from nnlib import mnist_loader, network2
stamps["import nnlib"] = time.time()
training_data, validation_data, test_data = mnist_loader.load_data_wrapper()
stamps["read MNIST into pairs"] = time.time()
import nnlib.sgd_kernel  # what the first SGD call imports to train with the compiled engine
stamps["import numba, scipy (nnlib.sgd_kernel)"] = time.time()
net = network2.Network([784, 30, 10], cost=network2.CrossEntropyCost)
net.large_weight_initializer()
for step in ("convert the pairs (SGD of 0 epochs)", "convert them again (the same)"):
    net.SGD(training_data, 0, 10, 0.5, evaluation_data=test_data,
            monitor_evaluation_accuracy=True)
    stamps[step] = time.time()
epochs = []
net.SGD(training_data, 30, 10, 0.5, evaluation_data=test_data, monitor_evaluation_accuracy=True,
        after_epoch=lambda epoch: epochs.append(time.time()))
print(json.dumps({"stamps": stamps, "epochs": epochs}))
"""


def readme_session():
    """The code of the README's section "The book's session, in Python 3"."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## The book's session, in Python 3", 1)[-1]
    block = re.search(r"```python\n(.*?)```", section, re.S)
    if block is None:
        raise SystemExit("README.md has no python block under \"The book's session, in "
                         "Python 3\"; this benchmark times that block")
    return block.group(1)


def run_session(code):
    """(wall seconds to the last accuracy line, wall seconds to exit, CPU seconds, stdout) of
    one ``python -c code`` process. Its output is read line by line as it comes
    (``PYTHONUNBUFFERED``, so a line is not held back in a buffer), to time the moment the
    last epoch's accuracy is printed: the issue's "python start to the last epoch's
    accuracy", before the interpreter's exit, which frees the data and takes a while."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryFile("w+") as errors:  # a file: a full stderr pipe would block
        t = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                   stderr=errors, text=True,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
        lines, last_accuracy_at = [], None
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Accuracy on evaluation data"):
                last_accuracy_at = time.perf_counter() - t
        returncode = process.wait()
        wall = time.perf_counter() - t
        errors.seek(0)
        stderr = errors.read()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if returncode != 0:
        raise SystemExit(f"the session failed ({returncode}):\n{stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return last_accuracy_at, wall, cpu, "".join(lines)


def last_accuracy(stdout):
    """The last "Accuracy on evaluation data: k / n" line, after checking there is one per
    epoch (so a session that stopped early is not timed as a fast one)."""
    found = re.findall(r"Accuracy on evaluation data: (\d+) / (\d+)", stdout)
    if len(found) != EPOCHS:
        raise SystemExit(f"the session printed {len(found)} accuracies; expected {EPOCHS}")
    return f"{found[-1][0]} / {found[-1][1]}"


def conversion_forms():
    """The 50,000 training digits in the three forms whose conversion is timed."""
    loader_pairs = mnist_loader.load_data_wrapper()[0]
    X, labels = data.load(np.float64).training
    book_pairs = [(x.reshape(784, 1).copy(), vectorized_result(int(k)))
                  for x, k in zip(X, labels)]
    return {"nnlib.mnist_loader's pairs": loader_pairs,
            "pairs built as the book's loader builds them": book_pairs,
            "arrays (X, labels), float64": (X, labels)}


def conversion_time(form):
    """Seconds for SGD to check and convert ``form`` (an SGD call of 0 epochs)."""
    net = Network([784, 30, 10], seed=0)
    t = time.perf_counter()
    net.SGD(form, 0, 10, 0.5, progress=False, verbose=False)
    return time.perf_counter() - t


def spread(values, unit="s", digits=2):
    return (f"median {statistics.median(values):.{digits}f} {unit} "
            f"(range {min(values):.{digits}f}-{max(values):.{digits}f}, {len(values)} runs)")


def where_the_time_goes():
    """One session with a time stamp after each step: lines of what each step took."""
    spawned = time.time()
    _, _, _, stdout = run_session(TIMED_STEPS)
    record = json.loads(stdout.strip().splitlines()[-1])
    stamps, epochs = record["stamps"], record["epochs"]
    lines, previous = [], spawned
    for step, stamp in stamps.items():
        lines.append(f"  {step:38} {stamp - previous:6.2f} s")
        previous = stamp
    durations = np.diff([previous] + epochs)
    conversion = stamps["convert them again (the same)"] - stamps[
        "convert the pairs (SGD of 0 epochs)"]
    later = float(np.median(durations[1:]))
    lines.append(f"  {'epoch 0 (converting the pairs again)':38} {durations[0]:6.2f} s: "
                 f"{durations[0] - conversion - later:.2f} s more than a later epoch and a "
                 f"second conversion, for starting the compiled loop")
    lines.append(f"  {'epochs 1-29, each with its accuracy':38} {later:6.2f} s median "
                 f"({durations[1:].min():.2f}-{durations[1:].max():.2f}), "
                 f"{durations[1:].sum():.2f} s in all")
    lines.append(f"  {'the session (less the extra conversions)':38} "
                 f"{epochs[-1] - spawned - 2 * conversion:6.2f} s")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5,
                        help="timed sessions, each followed by one timing of each "
                             "conversion (default 5)")
    args = parser.parse_args()
    if "NNLIB_DATA_DIR" not in os.environ and SHARED_MNIST.is_dir():
        os.environ["NNLIB_DATA_DIR"] = str(SHARED_MNIST)  # for this process and the sessions
    code = readme_session()
    _, warm_wall, _, _ = run_session(code)
    forms = conversion_forms()
    to_accuracy, walls, cpus, accuracies = [], [], [], []
    conversions = {name: [] for name in forms}
    for _ in range(args.rounds):  # interleaved: a slow spell of the machine hits all alike
        last, wall, cpu, stdout = run_session(code)
        to_accuracy.append(last)
        walls.append(wall)
        cpus.append(cpu)
        accuracies.append(last_accuracy(stdout))
        for name, form in forms.items():
            conversions[name].append(conversion_time(form))
    print("The README's session (python -c, float64, [784, 30, 10], 30 epochs on 50,000 "
          "pairs, test accuracy each epoch):")
    print(f"  python start to the last epoch's accuracy: {spread(to_accuracy)}")
    print(f"  python start to exit: {spread(walls)}; CPU time {spread(cpus)}")
    print(f"  last epoch's accuracy: {', '.join(sorted(set(accuracies)))}; an untimed "
          f"first run took {warm_wall:.1f} s")
    print("One SGD call checking and converting 50,000 training pairs (an SGD of 0 epochs):")
    for name, times in conversions.items():
        print(f"  {name:45} {spread(times, digits=3)}")
    print("Where one session's time goes (one run, time stamps):")
    for line in where_the_time_goes():
        print(line)


if __name__ == "__main__":
    main()
