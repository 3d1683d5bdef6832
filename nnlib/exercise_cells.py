r"""The notebook cells of every exercise: prompt, stub, written argument, worked solution.

A notebook inserts an exercise with::

    import nbformat
    from nnlib.exercise_cells import add_exercise, keys
    nb = nbformat.read("notebooks/02-softmax.ipynb", as_version=4)
    add_exercise(nb, "softmax_monotonic")          # appends; at=i inserts before cell i
    nbformat.write(nb, "notebooks/02-softmax.ipynb")

and is then re-executed, so its saved output is the checker's "Not attempted yet."

Each exercise keeps ONE copy of its solution (``Exercise.solution``): it is shown in a
collapsed ``<details>`` block, and ``tests/test_exercises.py`` executes the same text and
runs it through the checker in ``nnlib.notebook.exercises``.
"""
from __future__ import annotations

from dataclasses import dataclass

import nbformat

@dataclass(frozen=True)
class Exercise:
    """One exercise: where it goes, what it asks, and the code the reader starts from.

    ``answers`` are the names the stub defines and passes to ``check(key, ...)``.
    ``argument`` is the prompt of a markdown cell for the written proof (None when the
    exercise is only computational). ``steps`` is the worked solution's prose.
    """

    key: str
    notebook: str
    kind: str          # "Exercise" or "Problem", as the book labels it
    title: str
    prompt: str
    imports: str
    stub: str
    solution: str
    steps: str
    answers: tuple
    argument: str | None = None

    def check_line(self) -> str:
        return f'check("{self.key}", {", ".join(self.answers)})'

    def _source(self, body: str) -> str:
        return f"{self.imports}\n\n{body.strip()}\n\n{self.check_line()}"

    def stub_source(self) -> str:
        """The code cell the reader fills in; run as given it reports "not attempted"."""
        return self._source(self.stub)

    def solution_source(self) -> str:
        """The worked solution as one runnable cell (what the tests execute)."""
        return self._source(self.solution)

    def cells(self) -> list:
        """The notebook cells: prompt, stub, the argument cell if any, the solution."""
        def meta(part):
            return {"id": f"ex-{self.key}-{part}".replace("_", "-"),
                    "metadata": {"nnlib": {"exercise": self.key, "part": part}}}
        cells = [
            nbformat.v4.new_markdown_cell(
                f"#### {self.kind}: {self.title}\n\n{self.prompt.strip()}", **meta("prompt")),
            nbformat.v4.new_code_cell(self.stub_source(), **meta("stub")),
        ]
        if self.argument:
            cells.append(nbformat.v4.new_markdown_cell(
                f"{self.argument.strip()}\n\n*(Double-click this cell and write your "
                f"argument here.)*", **meta("argument")))
        cells.append(nbformat.v4.new_markdown_cell(
            "<details>\n<summary><b>Worked solution</b> (open it after trying)</summary>\n\n"
            f"{self.steps.strip()}\n\n```python\n{self.solution_source()}\n```\n\n</details>",
            **meta("solution")))
        return cells


# The output-layer gradient exercises share one solution: Eqs. (67), (69)-(70) and
# (81)-(82) are the same formula, which is the point the book makes about them.
_OUTPUT_GRADIENTS = '''
def {name}(a_prev, a, y):
    """Output-layer gradients, averaged over the n examples (columns)."""
    n = a.shape[1]                                  # number of examples
    delta = a - y                                   # (n_out, n): {delta_eq}
    nabla_b = delta.sum(axis=1, keepdims=True) / n  # (n_out, 1): {b_eq}
    nabla_w = delta @ a_prev.T / n                  # (n_out, n_prev): {w_eq}
    return nabla_b, nabla_w
'''

_OUTPUT_GRADIENTS_STUB = '''
def {name}(a_prev, a, y):
    """Output-layer gradients, averaged over the n examples (columns).

    a_prev: (n_prev, n) activations entering the output layer, a^(L-1)
    a, y:   (n_out, n) output activations and targets
    returns (nabla_b, nabla_w) with shapes (n_out, 1) and (n_out, n_prev)
    """
    raise NotImplementedError("your code here")
'''

_SHAPES = ("Shapes: `a_prev` is (n_prev, n), `a` and `y` are (n_out, n), one column per "
           "example. Summing column x of `delta` times the transpose of column x of "
           "`a_prev` over the examples is the matrix product `delta @ a_prev.T`, "
           "(n_out, n) @ (n, n_prev) = (n_out, n_prev); dividing by n averages.")

EXERCISES = {ex.key: ex for ex in [
    # -- 01-cross-entropy ---------------------------------------------------------
    Exercise(
        key="sigmoid_prime", notebook="01-cross-entropy", kind="Exercise",
        title="verify $\\sigma'(z) = \\sigma(z)(1 - \\sigma(z))$",
        prompt=r"""
The derivation above took $\sigma'(z) = \sigma(z)(1 - \sigma(z))$ as given. Check it:
differentiate $\sigma(z) = 1/(1 + e^{-z})$ yourself and write `sigmoid_derivative(z)`,
$\sigma'(z)$ entry by entry for an array `z` of any shape, without nnlib's
`sigmoid_prime`. The checker compares it with nnlib's on inputs that include
$z = -1000$, where $e^{-z} = e^{1000}$ is far beyond the largest float.
""",
        imports=("import numpy as np\nfrom nnlib.activations import sigmoid\n"
                 "from nnlib.notebook.exercises import check"),
        stub='''
def sigmoid_derivative(z):
    """sigma'(z), entry by entry: z an array -> an array of its shape."""
    raise NotImplementedError("your code here")
''',
        solution='''
def sigmoid_derivative(z):
    """sigma'(z), entry by entry: z an array -> an array of its shape."""
    s = sigmoid(z)        # 1 / (1 + e^{-z}), which nnlib computes without overflow
    return s * (1 - s)    # sigma'(z) = sigma(z) (1 - sigma(z))
''',
        steps=r"""
Write $\sigma(z) = (1 + e^{-z})^{-1}$. The chain rule gives
$\sigma'(z) = -(1 + e^{-z})^{-2} \cdot (-e^{-z}) = \frac{e^{-z}}{(1 + e^{-z})^2}$. Split
the fraction into two factors:
$\frac{1}{1 + e^{-z}} \cdot \frac{e^{-z}}{1 + e^{-z}}$. The first is $\sigma(z)$, and the
second is $\frac{(1 + e^{-z}) - 1}{1 + e^{-z}} = 1 - \sigma(z)$. So
$\sigma'(z) = \sigma(z)(1 - \sigma(z))$.

The product form is also the better code. The direct formula
$e^{-z}/(1 + e^{-z})^2$ overflows once $-z$ passes about 710 (then it is
$\infty/\infty$ = nan), while $\sigma(z)(1 - \sigma(z))$ only needs $\sigma$, which
nnlib computes without overflow, and no second exponential.
""",
        answers=("sigmoid_derivative",),
        argument=r"""
**Your derivation.** Show that $\sigma'(z) = \sigma(z)(1 - \sigma(z))$.
"""),
    Exercise(
        key="ce_roles", notebook="01-cross-entropy", kind="Exercise",
        title="which goes inside the logarithm, a or y?",
        prompt=r"""
It is easy to mix up the roles of the output $a$ and the target $y$ in the cross-entropy.
Write `cross_entropy(a, y)`, the cost of one neuron on one input,
$-[y \ln a + (1-y)\ln(1-a)]$ (Eq. (57) with $n = 1$), entry by entry for arrays `a` and `y`
of the same shape. Then put the swapped form $-[a \ln y + (1-a)\ln(1-y)]$ in its place and
see what the checker reports at $y = 0$ and $y = 1$.
""",
        imports="import numpy as np\nfrom nnlib.notebook.exercises import check",
        stub='''
def cross_entropy(a, y):
    """Eq. (57) for one neuron, entry by entry: a and y of one shape -> that shape."""
    raise NotImplementedError("your code here")
''',
        solution='''
def cross_entropy(a, y):
    """Eq. (57) for one neuron, entry by entry: a and y of one shape -> that shape."""
    return -(y * np.log(a) + (1 - y) * np.log(1 - a))
''',
        steps=r"""
The logarithms belong to the **output** $a$. A sigmoid output lies strictly between 0 and 1,
so $\ln a$ and $\ln(1-a)$ are finite, and the target only weights them: at $y = 0$ the first
term is $0 \cdot \ln a = 0$ and the cost is $-\ln(1-a)$, large when $a$ is near 1.

The swapped form takes $\ln y$ and $\ln(1-y)$. A classification target is exactly 0 or 1,
so one of those is $\ln 0 = -\infty$: the cost is infinite for every output except
$a = y$ exactly (where numpy gets $0 \cdot \infty$ = nan). It cannot tell a good output
from a bad one, so it gives no gradient to learn from.

(In float64 a sigmoid rounds to exactly 1.0 near $z = 37$; nnlib's `CrossEntropyCost`
also handles that case, which this short version does not.)
""",
        answers=("cross_entropy",),
        argument=r"""
**Your answer.** What happens to $-[a \ln y + (1-a)\ln(1-y)]$ when $y = 0$ or $1$? Why
doesn't $-[y \ln a + (1-y)\ln(1-a)]$ have the same problem?
"""),
    Exercise(
        key="ce_minimum", notebook="01-cross-entropy", kind="Exercise",
        title="the cross-entropy is smallest at $\\sigma(z) = y$",
        prompt=r"""
In regression problems a target $y$ can lie anywhere in $[0, 1]$. Check that the
cross-entropy $-[y \ln a + (1-y)\ln(1-a)]$ is still smallest at $a = \sigma(z) = y$, and that
its value there is the binary entropy of Eq. (64). Write

* `best_output(y)`: the output $a$ in $(0, 1)$ with the smallest cost, found
  **numerically** (a fine grid of $a$, or gradient descent on $z$), for one number `y`;
* `binary_entropy(y)`: $-[y \ln y + (1-y)\ln(1-y)]$ (Eq. (64) for one input), entry by entry
  for an array `y`, including $y = 0$ and $y = 1$.
""",
        imports=("import numpy as np\nfrom nnlib.costs import CrossEntropyCost\n"
                 "from nnlib.notebook.exercises import check"),
        stub='''
def best_output(y):
    """The output a in (0, 1) with the smallest cross-entropy for target y (a float)."""
    raise NotImplementedError("your code here")


def binary_entropy(y):
    """Eq. (64) for one input, entry by entry: y an array -> an array of its shape."""
    raise NotImplementedError("your code here")
''',
        solution='''
def best_output(y):
    """The output a in (0, 1) with the smallest cross-entropy for target y (a float)."""
    a = np.linspace(1e-5, 1 - 1e-5, 100_001)              # candidate outputs, (100001,)
    cost = -(y * np.log(a) + (1 - y) * np.log(1 - a))      # Eq. (57) at each candidate
    return a[np.argmin(cost)]


def binary_entropy(y):
    """Eq. (64) for one input, entry by entry: y an array -> an array of its shape."""
    y = np.asarray(y, dtype=float)
    # The cross-entropy with a = y; nnlib's cost takes 0 ln 0 as its limit, 0.
    return np.array([CrossEntropyCost.fn(t, t) for t in y.ravel()]).reshape(y.shape)
''',
        steps=r"""
**Why $a = y$.** The derivative of $-[y \ln a + (1-y)\ln(1-a)]$ with respect to $a$ is
$\frac{a - y}{a(1-a)}$ (Eq. (75)). Its denominator is positive, so it is negative for
$a < y$ and positive for $a > y$: the cost falls until $a = y$ and rises after, and
$a = y$ is the only minimum. Since $\sigma$ takes every value in $(0, 1)$, some $z$ reaches it.

**Numerically.** `best_output` evaluates the cost on 100,001 outputs spaced $10^{-5}$ apart
and returns the cheapest; it lands within $10^{-5}$ of `y`.

**The value there.** Putting $a = y$ into the cost gives
$-[y \ln y + (1-y)\ln(1-y)]$, Eq. (64). At $y = 0$ or $1$ it is $0$, because
$t \ln t \to 0$ as $t \to 0$; but floating point computes $0 \cdot \ln 0 = 0 \cdot (-\infty)$
as nan, so the endpoints need care. `CrossEntropyCost.fn(a, y)` with `a = y` already
takes that limit, so the solution reuses it.
""",
        answers=("best_output", "binary_entropy"),
        argument=r"""
**Your argument.** Show that $a = y$ minimises the cross-entropy for any $y$ in $[0, 1]$,
and that the minimum is the binary entropy (Eq. (64)).
"""),
    Exercise(
        key="ce_many_layers", notebook="01-cross-entropy", kind="Problem",
        title="many-layer, many-neuron networks (Eqs. (65)-(67))",
        prompt=r"""
With the quadratic cost, the gradient of an output weight carries the factor
$\sigma'(z^L_j)$ (Eq. (65)), which is tiny when an output neuron saturates. Derive what the
cross-entropy (Eq. (63)) gives instead, for sigmoid output neurons: first the output error
$\delta^L = \partial C / \partial z^L$ of one example (the book's Eq. (66)), then the
gradient of an output weight $w^L_{jk}$ (Eq. (67)) and of an output bias. Then write
`cross_entropy_gradients(a_prev, a, y)`: the gradients of the cross-entropy with respect to
the output layer's biases and weights, **averaged** over the $n$ examples given as columns.
The checker compares them with finite differences, saturated outputs included.
""",
        imports="import numpy as np\nfrom nnlib.notebook.exercises import check",
        stub=_OUTPUT_GRADIENTS_STUB.format(name="cross_entropy_gradients"),
        solution=_OUTPUT_GRADIENTS.format(name="cross_entropy_gradients", delta_eq="Eq. (66)",
                                          b_eq="the bias analogue", w_eq="Eq. (67)"),
        steps=r"""
For one example, $\partial C/\partial a_j = \frac{a_j - y_j}{a_j(1 - a_j)}$ and
$\partial a_j/\partial z_j = \sigma'(z_j) = a_j(1 - a_j)$, so
$\delta^L_j = \partial C/\partial z_j = a_j - y_j$ (Eq. (66)): the $\sigma'$ factor cancels.
Since $z_j = \sum_k w_{jk} a^{L-1}_k + b_j$, $\partial z_j/\partial w_{jk} = a^{L-1}_k$ and
$\partial z_j/\partial b_j = 1$; averaging over the examples gives Eq. (67) and
$\partial C/\partial b^L_j = \frac{1}{n}\sum_x (a^L_j - y_j)$.

""" + _SHAPES,
        answers=("cross_entropy_gradients",),
        argument=r"""
**Your derivation.** Derive the cross-entropy's output error $\delta^L$ (Eq. (66)), then
the gradient of an output weight (Eq. (67)) and the corresponding result for the biases.
"""),
    Exercise(
        key="linear_quadratic", notebook="01-cross-entropy", kind="Problem",
        title="linear output neurons with the quadratic cost (Eqs. (68)-(70))",
        prompt=r"""
Make the output neurons linear, $a^L_j = z^L_j$ (no sigmoid), and use the quadratic cost
$C = \frac{1}{2n}\sum_x \|y - a^L\|^2$. Derive the output error $\delta^L$ of one example
(the book's Eq. (68)) and from it the gradients of the output layer's weights and biases
(Eqs. (69)-(70)). Then write `linear_gradients(a_prev, a, y)`: those gradients, averaged
over the $n$ examples given as columns. Targets can be any real numbers here.
""",
        imports="import numpy as np\nfrom nnlib.notebook.exercises import check",
        stub=_OUTPUT_GRADIENTS_STUB.format(name="linear_gradients"),
        solution=_OUTPUT_GRADIENTS.format(name="linear_gradients", delta_eq="Eq. (68)",
                                          b_eq="Eq. (70)", w_eq="Eq. (69)"),
        steps=r"""
For one example, $\partial C/\partial a_j = a_j - y_j$, and a linear neuron has
$\partial a_j/\partial z_j = 1$, so $\delta^L = a^L - y$ (Eq. (68)) with no $\sigma'$ factor
to shrink it. Then $\partial z_j/\partial w_{jk} = a^{L-1}_k$ and
$\partial z_j/\partial b_j = 1$ give Eqs. (69) and (70) after averaging. The code is
line for line the cross-entropy's: the same formula, for a different reason.

""" + _SHAPES,
        answers=("linear_gradients",),
        argument=r"""
**Your derivation.** Show Eq. (68), then Eqs. (69)-(70).
"""),
    Exercise(
        key="xj_term", notebook="01-cross-entropy", kind="Problem",
        title="no cost removes the $x_j$ of Eq. (61)",
        prompt=r"""
By Eq. (61), $\partial C/\partial w_j$ carries a factor $x_j$, so a weight whose input is
near 0 learns slowly. Could a cleverer cost remove it? Write `weight_gradient(dC_db, x)`:
for **any** cost of one sigmoid neuron, given its derivative `dC_db` $= \partial C/\partial b$
(a float) and the input `x` (shape `(n,)`), return $\partial C/\partial w$ (shape `(n,)`).
The checker tries four different costs, with finite differences, and inputs including
$x_j = 0$.
""",
        imports="import numpy as np\nfrom nnlib.notebook.exercises import check",
        stub='''
def weight_gradient(dC_db, x):
    """dC/dw, shape (n,), of one sigmoid neuron with input x (n,), from dC/db (a float)."""
    raise NotImplementedError("your code here")
''',
        solution='''
def weight_gradient(dC_db, x):
    """dC/dw, shape (n,), of one sigmoid neuron with input x (n,), from dC/db (a float)."""
    return dC_db * np.asarray(x, dtype=float)   # dC/dw_j = x_j dC/db
''',
        steps=r"""
Whatever the cost, it is a function of the neuron's output $a = \sigma(z)$ (and the
target), so it depends on $w_j$ and $b$ only through $z = \sum_j w_j x_j + b$. By the chain
rule, $\partial C/\partial w_j = \frac{dC}{dz} x_j$ and $\partial C/\partial b = \frac{dC}{dz}$,
hence $\partial C/\partial w_j = x_j\, \partial C/\partial b$ for every cost. Choosing the
cost only changes $dC/dz$; the $x_j$ comes from how $z$ depends on $w_j$, which no cost
touches. An input $x_j = 0$ gives $w_j$ exactly zero gradient. Removing the factor would
need a cost that sees $w_j$ other than through the neuron's output.
""",
        answers=("weight_gradient",),
        argument=r"""
**Your explanation.** Why is it impossible to remove the $x_j$ term by choosing the cost?
"""),
    # -- 02-softmax ---------------------------------------------------------------
    Exercise(
        key="sigmoid_sum", notebook="02-softmax", kind="Exercise",
        title="sigmoid outputs need not sum to 1",
        prompt=r"""
Build an example: a network whose output layer is sigmoid, and an input for which its
output activations do **not** add up to 1. `Network(sizes)` with its default cost (the
cross-entropy) has a sigmoid output layer (`net.output`). Set `net` and `x`; the checker
feeds `x` forward and adds the outputs.
""",
        imports=("import numpy as np\nfrom nnlib.network import Network\n"
                 "from nnlib.notebook.exercises import check"),
        stub='''
net = None   # a Network with a sigmoid output layer
x = None     # one input for it: a column of shape (n_in, 1)
''',
        solution='''
net = Network([2, 3], seed=1)      # 2 inputs, 3 sigmoid outputs
x = np.array([[1.0], [-0.5]])      # one input column, shape (2, 1)
''',
        steps=r"""
Almost any network does it. Each sigmoid output is computed from its own weighted input
and lies in $(0, 1)$, with nothing tying the outputs together, so three outputs can sum to
anything between 0 and 3. The rare exceptions are worth knowing: since
$\sigma(t) + \sigma(-t) = 1$, two outputs with opposite weighted inputs do sum to 1,
which is why a single example is enough to show the sum is not *guaranteed*. Softmax's
shared denominator is what makes the sum exactly 1 (Eq. (79)).
""",
        answers=("net", "x")),
    Exercise(
        key="softmax_monotonic", notebook="02-softmax", kind="Exercise",
        title="monotonicity of softmax",
        prompt=r"""
Write `softmax_jacobian(z)`: the $(n, n)$ array whose entry `[j, k]` is
$\partial a_j/\partial z_k$ for the softmax of Eq. (78), without using
`nnlib.activations.softmax_jacobian`. The checker compares it with finite differences at
four inputs, one of them huge, where a naive $e^z$ overflows. Then prove the sign pattern
it shows: positive on the diagonal ($j = k$), negative off it ($j \ne k$).
""",
        imports=("import numpy as np\nfrom nnlib.activations import softmax\n"
                 "from nnlib.notebook.exercises import check"),
        stub='''
def softmax_jacobian(z):
    """da_j/dz_k of the softmax (Eq. 78) at z, shape (n,): an (n, n) array."""
    raise NotImplementedError("your code here")
''',
        solution='''
def softmax_jacobian(z):
    """da_j/dz_k of the softmax (Eq. 78) at z, shape (n,): an (n, n) array."""
    a = softmax(z)                       # (n,); nnlib's softmax is stable for huge z
    return np.diag(a) - np.outer(a, a)   # entry [j, k] = a_j (delta_jk - a_k)
''',
        steps=r"""
Write $a_j = e^{z_j}/S$ with $S = \sum_k e^{z_k}$.

* $k = j$: both numerator and $S$ depend on $z_j$; the quotient rule gives
  $\frac{e^{z_j} S - e^{z_j} e^{z_j}}{S^2} = a_j(1 - a_j)$, **positive** since $0 < a_j < 1$.
* $k \ne j$: only $S$ depends on $z_k$, so $\partial a_j/\partial z_k = -\frac{e^{z_j} e^{z_k}}{S^2}
  = -a_j a_k$, **negative**.

Together $\partial a_j/\partial z_k = a_j(\delta_{jk} - a_k)$: in numpy `np.diag(a)` minus
`np.outer(a, a)`, both $(n, n)$. Raising $z_j$ therefore raises $a_j$ and lowers every
other output, and each column sums to $a_k - a_k \sum_j a_j = 0$: the outputs' total stays 1.
""",
        answers=("softmax_jacobian",),
        argument=r"""
**Your argument.** Show that $\partial a_j/\partial z_k$ is positive for $j = k$ and
negative for $j \ne k$, and say what that means for the sliders.
"""),
    Exercise(
        key="softmax_nonlocal", notebook="02-softmax", kind="Exercise",
        title="non-locality of softmax",
        prompt=r"""
In a sigmoid layer $a_j = \sigma(z_j)$ sees only its own weighted input. Write
`softmax_change(z, j, k, h)`: how much the softmax output $a_j$ changes when only $z_k$ is
raised by $h$ and every other weighted input stays put. Try $j \ne k$ and explain what
you see.
""",
        imports=("import numpy as np\nfrom nnlib.activations import softmax\n"
                 "from nnlib.notebook.exercises import check"),
        stub='''
def softmax_change(z, j, k, h):
    """a_j(z + h e_k) - a_j(z) for the softmax (Eq. 78); z has shape (n,). A float."""
    raise NotImplementedError("your code here")
''',
        solution='''
def softmax_change(z, j, k, h):
    """a_j(z + h e_k) - a_j(z) for the softmax (Eq. 78); z has shape (n,). A float."""
    nudged = np.array(z, dtype=float)    # a copy, (n,): the caller's z stays as it was
    nudged[k] += h                       # only z_k moves
    return softmax(nudged)[j] - softmax(z)[j]
''',
        steps=r"""
Copy `z`, move only entry `k`, compute the whole softmax before and after (each of shape
$(n,)$) and subtract entry `j`. For $j \ne k$ the answer is not 0, and by the monotonicity
exercise it is negative for $h > 0$. The reason is the denominator of Eq. (78),
$\sum_k e^{z_k}$: it contains every weighted input, so changing any one of them rescales
all the outputs. There is no function $f$ with $a_j = f(z_j)$ for a softmax layer.
""",
        answers=("softmax_change",),
        argument=r"""
**Your explanation.** Why does a softmax output $a_j$ depend on all the weighted inputs,
not just on $z_j$?
"""),
    Exercise(
        key="softmax_invert", notebook="02-softmax", kind="Problem",
        title="inverting the softmax layer",
        prompt=r"""
Suppose the outputs $a$ of a softmax layer are known (all positive, summing to 1). Write
`invert_softmax(a)`, returning weighted inputs `z` with `softmax(z)` equal to `a`. Then show
that every such $z$ has the form $z_j = \ln a_j + C$, with one constant $C$ for all $j$. The
checker accepts any $C$, and tries outputs as small as $10^{-263}$.
""",
        imports=("import numpy as np\nfrom nnlib.activations import softmax\n"
                 "from nnlib.notebook.exercises import check"),
        stub='''
def invert_softmax(a):
    """Weighted inputs z, shape (n,), whose softmax (Eq. 78) is a, shape (n,)."""
    raise NotImplementedError("your code here")
''',
        solution='''
def invert_softmax(a):
    """Weighted inputs z, shape (n,), whose softmax (Eq. 78) is a, shape (n,)."""
    return np.log(a)   # C = 0; any constant added to every entry works as well
''',
        steps=r"""
Take the logarithm of Eq. (78): $\ln a_j = z_j - \ln \sum_k e^{z_k}$. The last term is the
same number for every $j$; call it $-C$. Then $z_j = \ln a_j + C$. Conversely, adding one
constant to every $z_j$ multiplies numerator and denominator by the same $e^C$, so the
outputs cannot tell such $z$ apart: $a$ fixes $z$ up to $C$ and no further. Choosing $C = 0$
gives `np.log(a)`, shape $(n,)$. A tiny positive $a_j$ gives a large negative $z_j$, not
$-\infty$, so nothing breaks.
""",
        answers=("invert_softmax",),
        argument=r"""
**Your argument.** Show that $z_j - \ln a_j$ is the same for every $j$, and that nothing
more about $z$ can be recovered from $a$.
"""),
    Exercise(
        key="softmax_c", notebook="02-softmax", kind="Problem",
        title="where does the name \"softmax\" come from?",
        prompt=r"""
Eq. (83) multiplies every weighted input by a constant $c > 0$:
$a_j = e^{c z_j} / \sum_k e^{c z_k}$ ($c = 1$ is the usual softmax). Write `softmax_c(z, c)`,
and `softmax_limit(z)`, the value the outputs approach as $c \to \infty$. The checker
tries $c z$ up to 2000, where a naive $e^{cz}$ overflows, and a tie for the largest $z$.
Then show that the outputs form a probability distribution for every $c > 0$.
""",
        imports="import numpy as np\nfrom nnlib.notebook.exercises import check",
        stub='''
def softmax_c(z, c):
    """Eq. (83) at z, shape (n,), for a constant c > 0: shape (n,)."""
    raise NotImplementedError("your code here")


def softmax_limit(z):
    """The limit of softmax_c(z, c) as c -> infinity: shape (n,)."""
    raise NotImplementedError("your code here")
''',
        solution='''
def softmax_c(z, c):
    """Eq. (83) at z, shape (n,), for a constant c > 0: shape (n,)."""
    s = c * np.asarray(z, dtype=float)   # (n,)
    e = np.exp(s - s.max())              # largest exponent 0: nothing overflows
    return e / e.sum()


def softmax_limit(z):
    """The limit of softmax_c(z, c) as c -> infinity: shape (n,)."""
    top = (np.asarray(z) == np.max(z)).astype(float)   # 1 where z is largest
    return top / top.sum()                             # shared equally on a tie
''',
        steps=r"""
**A distribution for every $c > 0$.** Each $e^{c z_j}$ is positive, and the denominator is
the sum of the numerators, so the outputs are positive and sum to 1 exactly as in Eq. (79).

**Computing it.** Subtracting $m = \max_k c z_k$ from every exponent multiplies numerator and
denominator by $e^{-m}$, which changes nothing but keeps the largest exponent at 0: no
overflow, however large $c z$ is.

**The limit.** Divide top and bottom by $e^{c z_{\max}}$:
$a_j = e^{c(z_j - z_{\max})} / \sum_k e^{c(z_k - z_{\max})}$. As $c \to \infty$ every term
with $z_k < z_{\max}$ goes to 0 and every tied maximum stays 1. So the outputs tend to
1 on the largest $z$ and 0 elsewhere (shared equally when several tie): a "hard" maximum.
$c = 1$ is a softened version of it, hence *softmax*.
""",
        answers=("softmax_c", "softmax_limit"),
        argument=r"""
**Your argument.** Show that Eq. (83) gives a probability distribution for every $c > 0$,
and find the outputs' limit as $c \to \infty$.
"""),
    # -- 03-log-likelihood --------------------------------------------------------
    Exercise(
        key="loglik_gradients", notebook="03-log-likelihood", kind="Problem",
        title="derive Eqs. (81) and (82)",
        prompt=r"""
For a softmax output layer and the log-likelihood $C = -\ln a^L_y$ (Eq. (80)), with $y$
written as a one-hot vector, the book states $\partial C/\partial b^L_j = a^L_j - y_j$
(Eq. (81)) and $\partial C/\partial w^L_{jk} = a^{L-1}_k (a^L_j - y_j)$ (Eq. (82)). Write
`loglik_gradients(a_prev, a, y)`: these gradients for $n$ examples given as columns,
**averaged** over the examples (for one column, exactly Eqs. (81)-(82)). The checker
compares them with finite differences of the cost.
""",
        imports="import numpy as np\nfrom nnlib.notebook.exercises import check",
        stub=_OUTPUT_GRADIENTS_STUB.format(name="loglik_gradients"),
        solution=_OUTPUT_GRADIENTS.format(name="loglik_gradients", delta_eq="Eq. (84)",
                                          b_eq="Eq. (81)", w_eq="Eq. (82)"),
        steps=r"""
With Eq. (78), $C = -\ln a_y = -z_y + \ln \sum_k e^{z_k}$, so
$\partial C/\partial z_j = -[j = y] + a_j = a_j - y_j$ with one-hot $y$ (this is Eq. (84)).
Since $z_j = \sum_k w_{jk} a^{L-1}_k + b_j$, the chain rule multiplies by
$\partial z_j/\partial b_j = 1$ for Eq. (81) and by $\partial z_j/\partial w_{jk} = a^{L-1}_k$
for Eq. (82). Compare Eq. (67): the same formula as the cross-entropy with sigmoid outputs,
and the same code.

""" + _SHAPES,
        answers=("loglik_gradients",),
        argument=r"""
**Your derivation.** Derive Eqs. (81) and (82) from Eqs. (78) and (80).
"""),
    Exercise(
        key="softmax_backprop", notebook="03-log-likelihood", kind="Problem",
        title="backpropagation with softmax and the log-likelihood (Eq. (84))",
        prompt=r"""
To backpropagate through a softmax output layer with the log-likelihood cost we need its
output error $\delta^L_j = \partial C/\partial z^L_j$. Write `softmax_delta(z, a, y)` (the
signature of a cost's `delta` in nnlib and in the book's code), for arrays of shape
$(n_{out}, m)$, one column per example, with one-hot targets `y`. The checker compares it
with finite differences, then runs backpropagation in a [3, 4, 3] network with your
$\delta^L$ and checks every gradient. Then show Eq. (84): $\delta^L_j = a^L_j - y_j$.
""",
        imports="import numpy as np\nfrom nnlib.notebook.exercises import check",
        stub='''
def softmax_delta(z, a, y):
    """delta^L = dC/dz^L for softmax outputs a and the log-likelihood; all (n_out, m)."""
    raise NotImplementedError("your code here")
''',
        solution='''
def softmax_delta(z, a, y):
    """delta^L = dC/dz^L for softmax outputs a and the log-likelihood; all (n_out, m)."""
    return a - y   # Eq. (84); z is not needed, it keeps the signature of every cost
''',
        steps=r"""
By the chain rule through the softmax Jacobian of the monotonicity exercise,
$\partial a_i/\partial z_j = a_i(\delta_{ij} - a_j)$, and $\partial C/\partial a_i = -y_i/a_i$
for $C = -\sum_i y_i \ln a_i$ (Eq. (80) with one-hot $y$):
$\delta_j = \sum_i \left(-\frac{y_i}{a_i}\right) a_i(\delta_{ij} - a_j)
= -y_j + a_j \sum_i y_i = a_j - y_j$, since the one-hot $y$ sums to 1. Every column (example)
gets its own $\delta$, so the result has the shape of `z`, $(n_{out}, m)$. From
$\delta^L$ on, backpropagation (BP2-BP4) is unchanged.
""",
        answers=("softmax_delta",),
        argument=r"""
**Your derivation.** Show that $\delta^L_j = a^L_j - y_j$ (Eq. (84)).
"""),
    # -- 04-mnist ------------------------------------------------------------------
    Exercise(
        key="errors_eliminated", notebook="04-mnist", kind="Exercise",
        title="how many errors does a better accuracy remove?",
        prompt=r"""
The book calls the step from 96.59 % (quadratic cost) to 96.82 % (cross-entropy), with 100
hidden neurons, the removal of "about one in fourteen" of the errors. Write
`errors_eliminated(before, after)`: given two test accuracies in percent, the share of the
errors made at `before` that are gone at `after`, as a fraction (negative if `after` makes
more errors). Then apply it to our means from the table above.
""",
        imports="from nnlib.notebook.exercises import check",
        stub='''
def errors_eliminated(before, after):
    ...
''',
        solution='''
def errors_eliminated(before, after):
    errors_before, errors_after = 100 - before, 100 - after   # error rates, %
    return (errors_before - errors_after) / errors_before
''',
        steps=r"""
An accuracy of 96.59 % means an error rate of $100 - 96.59 = 3.41$ %; 96.82 % means 3.18 %.
The share of the first errors that are gone is $(3.41 - 3.18) / 3.41 \approx 0.067$, about
one in fifteen. Dividing by the accuracy instead, or by the later error rate, answers a
different question. With our means, `errors_eliminated(87.14, 96.70)` is about 0.74: at the
book's learning rate the cross-entropy removes three quarters of the quadratic cost's
errors on [784, 100, 10], most of them the errors of stuck runs.
""",
        answers=("errors_eliminated",)),
]}

#: The exercises of each notebook, in the order the book places them.
NOTEBOOKS = {}
for _ex in EXERCISES.values():
    NOTEBOOKS.setdefault(_ex.notebook, []).append(_ex.key)


def keys(notebook: str | None = None) -> list:
    """The exercise keys of ``notebook`` (e.g. "02-softmax") in book order, or all keys."""
    if notebook is None:
        return list(EXERCISES)
    name = notebook.removesuffix(".ipynb").rsplit("/", 1)[-1]
    if name not in NOTEBOOKS:
        raise ValueError(f"no exercises for notebook {notebook!r}; the notebooks with "
                         f"exercises are {sorted(NOTEBOOKS)}")
    return list(NOTEBOOKS[name])


def exercise(key: str) -> Exercise:
    """The ``Exercise`` called ``key``; a ValueError listing the keys if there is none."""
    if key not in EXERCISES:
        raise ValueError(f"no exercise called {key!r}; the keys are {sorted(EXERCISES)}")
    return EXERCISES[key]


def add_exercise(nb, key: str, at: int | None = None):
    """Add exercise ``key``'s cells to the nbformat notebook ``nb``; return ``nb``.

    The cells are appended, or inserted before cell ``at`` (an index into ``nb.cells`` as
    they are when called, from 0 to ``len(nb.cells)``). Cells of the same exercise already
    in ``nb`` are replaced (at their old position when ``at`` is None), so running a
    notebook-building script twice leaves one copy. An invalid ``at`` raises ValueError
    before ``nb`` is changed.
    """
    new = exercise(key).cells()
    if not hasattr(nb, "cells"):
        raise TypeError(f"nb must be an nbformat notebook (nbformat.read(..., as_version=4)); "
                        f"got a {type(nb).__name__}")
    if at is not None and not 0 <= at <= len(nb.cells):
        raise ValueError(f"at must be a cell index from 0 to {len(nb.cells)}; got {at}")
    old = [i for i, c in enumerate(nb.cells)
           if c.get("metadata", {}).get("nnlib", {}).get("exercise") == key]
    if at is None:
        at = old[0] if old else len(nb.cells)
    at -= sum(i < at for i in old)   # the old cells before `at` are about to go
    nb.cells = [c for i, c in enumerate(nb.cells) if i not in old]
    nb.cells[at:at] = new
    return nb
