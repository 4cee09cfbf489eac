"""Every claim the report judges, declared once: the paper's (FACTS section 10,
paraphrased) and the checks beyond it, each with where it is made, what we measure, our
rule, the runs it reads and the scale it is judged at. The rule functions
(analysis/claims/rules.py and the scans) compute a verdict for a declaration; the report renders
the declarations (REPORT.md's claims index) and counts the paper's claims apart from ours.
"""

from __future__ import annotations

from dataclasses import dataclass

PAPER, BEYOND = "paper", "beyond the paper"
ONCE, PER_PROFILE = "once", "per profile"


@dataclass(frozen=True)
class Claim:
    id: str
    origin: str  # PAPER or BEYOND
    source: str  # where it is made: section / figure / table, or the later paper
    title: str  # the claim in one line, as the report's tables name it
    asserts: str  # what the source asserts, paraphrased, with its numbers where it gives them
    statistic: str  # what we measure
    rule: str  # how the verdict follows; thresholds the source does not give are ours
    runs: str  # what it reads, and the make target that makes it
    scale: str  # ONCE (no training, or one fixed set of runs) or PER_PROFILE (each budget)


def _claims(*claims: Claim) -> dict[str, Claim]:
    out = {}
    for c in claims:
        if c.id in out:
            raise ValueError(f"claim {c.id!r} declared twice")
        out[c.id] = c
    return out


WINDOW = "the last half of training"
LAST_FIFTH = "the mean of the test-error evaluations over the last fifth of training"
SEEDS_TEST = "Welch's t on per-seed values written as z (one seed: z from binomial + curve scatter)"
Z_RULE = f"z >= 2 ({SEEDS_TEST}); undecided before the paper's budget: not at this scale"
PROBE_RULE = (
    "Welch p < 0.05 across seeds (one seed: at >= 75% of the window's probes); "
    "windows of a quarter and the whole run reported"
)

CLAIMS = _claims(
    # -- the data and the cost surfaces ----------------------------------------------------
    Claim("data-classes", PAPER, "§2.1, the author's generator",
          "Shapeset-3x2: 1 or 2 objects of 3 shapes make 9 classes, not balanced",
          "class frequencies 1/6 (one object), 1/9 (two different shapes), 1/18 (two alike)",
          "class frequencies over the test images", "ours: every class within 4 binomial "
          "standard errors of its expected frequency", "generated test split (no training)",
          ONCE),
    Claim("fig5-quadratic-plateaus", PAPER, "§4.1, Fig. 5",
          "the quadratic cost has more plateaus than cross-entropy (1-hidden-layer tanh net)",
          "the quadratic cost's surface has flat plateaus where cross-entropy's does not",
          "share of a weight grid where the gradient is below 1% of its largest",
          "ours: the quadratic share larger", "`make reproduce-fig5` (no training)", ONCE),
    # -- at initialization -----------------------------------------------------------------
    Claim("fig6-activations-shrink", PAPER, "§4.2.2, Fig. 6",
          "tanh at init: activations shrink toward 0 layer after layer under standard init, "
          "not under normalized",
          "under standard init the activations' peak at 0 grows with depth; normalized init "
          "keeps the layers alike", "std of the activations per layer at init",
          "ours: standard monotone and shrinking >= x2, normalized within x2",
          "`make runs-at-init`", ONCE),
    Claim("fig7-backprop-shrinks", PAPER, "§4.2.2, Fig. 7",
          "back-propagated gradients shrink going down under standard init, not under "
          "normalized (listed top layer first)",
          "under standard init lower layers get narrower back-propagated gradients (about 3x "
          "less variance per layer); under normalized init they do not",
          "std of dC/ds per layer at init", "ours: standard monotone and shrinking >= x2, "
          "normalized within x2", "`make runs-at-init`", ONCE),
    Claim("fig8-weight-gradients-alike", PAPER, "§4.2.2, Fig. 8 (Eq. 14)",
          "weight gradients have the same width in every layer under both inits (Eq. 14); "
          "wider under normalized",
          "just after init the weight-gradient variance is about the same in every layer, "
          "under standard init too; the figure's normalized gradients are ~6x wider",
          "std of dC/dW per layer just after init", "ours: within x1.5 across layers per "
          "init, normalized >= 2x wider", "`make runs-at-init`", ONCE),
    Claim("jacobian-singular-values", PAPER, "§4.2.2",
          "mean singular value of the layer Jacobians: ~0.5 standard vs ~0.8 normalized",
          "the layer-to-layer Jacobians' mean singular value is about 0.5 under standard init "
          "and 0.8 under normalized", "mean singular value of the hidden-to-hidden Jacobians",
          "ours: each within +-0.1 of the paper's", "`make runs-at-init`", ONCE),
    # -- during training ---------------------------------------------------------------------
    Claim("fig2-top-saturates-early", PAPER, "§3.1, Fig. 2",
          "sigmoid: the top hidden layer saturates near 0 early, lower layers stay near 0.5 or "
          "above", "very early the top hidden layer's activations are pushed to 0 (~0.02 "
          "within ~2 epochs) while the lower layers' means stay above 0.5",
          "mean activation per layer over training", "ours: the top layer below 0.05 by "
          "4e5 examples, the lower layers then >= 0.4", "`make reproduce-fig2`", PER_PROFILE),
    Claim("fig2-top-desaturates-late", PAPER, "§3.1, Fig. 2",
          "sigmoid: the top layer slowly desaturates late in training",
          "the top layer slowly leaves 0, around epoch 100 (2e7 examples)",
          "the top layer's mean activation over training", "ours: its last value above "
          "max(0.05, 2x its lowest); not at this scale before 2e7 examples",
          "`make reproduce-fig2`", PER_PROFILE),
    Claim("first-layer-saturates-as-top-recovers", PAPER, "§3.1",
          "sigmoid, 4 layers: when the top layer leaves 0, the first layer starts to saturate",
          "as the top layer leaves saturation, the first hidden layer starts to saturate and "
          "settle", "layer 1's saturated share before and after the top layer leaves 0",
          "ours: once the top layer's mean is back above 0.1 after falling below 0.05, layer "
          "1's saturated share higher than before; not at this scale before 0.8 x 2.5e7",
          "`make reproduce-fig2`", PER_PROFILE),
    Claim("pretrained-sigmoid-no-top-saturation", PAPER, "§3.1",
          "sigmoid, 4 layers, pre-trained without labels: no top-layer saturation at 0",
          "sigmoid nets initialized by unsupervised pre-training (e.g. RBMs) do not show the "
          "top layer's saturation", "the top layer's mean activation early in training",
          "ours: never below 0.05 in the first 4e5 examples (two of the paper's epochs), for "
          "every pre-training", "`make reproduce-sigmoid-pretrain`", PER_PROFILE),
    Claim("fig3-tanh-sequential-saturation", PAPER, "§3.2, Fig. 3 (top)",
          "tanh, standard init: the layers saturate one after another, layer 1 first",
          "saturation (98th percentiles reaching +-1) happens layer after layer, layer 1 "
          "first, then upward; the top layer stays near 0 (Fig. 4)",
          "the example at which each layer's 2nd/98th percentile first passes +-0.95",
          "ours: every layer below the top passes +-0.95, in order, layer 1 first, in a "
          "majority of seeds",
          "`make reproduce-fig3`", PER_PROFILE),
    Claim("fig3-softsign-no-saturation", PAPER, "§3.3, Fig. 3 (bottom)",
          "softsign: no layer saturates at +-1",
          "softsign's percentiles stay around +-(0.8-0.9): the layers move together and "
          "saturate less than tanh's", "largest |2nd/98th percentile| per layer",
          "ours: below 0.95 in every layer, in a majority of seeds", "`make reproduce-fig3`",
          PER_PROFILE),
    Claim("fig4-tanh-modes", PAPER, "§3.3, Fig. 4 (top)",
          "tanh, standard init: at the end the modes sit at +-1 (lower layers) or at 0 (top)",
          "at the end of training tanh's activation histograms have modes at the extremes "
          "+-1 (lower layers, strongly saturated) or around 0",
          "the mode of |activation| per layer in the last probe",
          "ours: layer 1's |mode| >= 0.9, the top's < 0.2, none in between, in a majority of "
          "seeds; not at this scale before the paper's end", "`make reproduce-fig4`",
          PER_PROFILE),
    Claim("fig4-softsign-knees", PAPER, "§3.3, Fig. 4 (bottom)",
          "softsign: at the end the activations settle at the knees, not at +-1",
          "softsign's modes sit at its knees, about +-(0.6-0.8): non-linear, not saturated",
          "the mode of |activation| per layer in the last probe",
          "ours: most layers' |mode| in [0.5, 0.9] (the paper's band widened by a bin), in a "
          "majority of seeds; not at this scale before the paper's end",
          "`make reproduce-fig4`", PER_PROFILE),
    Claim("fig9-standard-drift-apart", PAPER, "§4.2.2, Fig. 9",
          "tanh, standard init: the layers' weight-gradient spreads drift apart during "
          "training, the lower layers' larger",
          "during training the weight gradients of different layers drift apart, larger in "
          "the lower layers", f"ratio of the largest to the smallest per-layer dC/dW std, "
          f"mean over {WINDOW}, against its value just after init",
          "ours: the ratio above its value at init, and layer 1's std above the top layer's at "
          ">= 75% of the window's probes, in a majority of seeds",
          "`make reproduce-fig9`", PER_PROFILE),
    Claim("fig9-normalized-keeps-alike", PAPER, "§4.2.2, Fig. 9 (cmp)",
          "tanh: during training, normalized init keeps the layers' weight-gradient spreads "
          "closer together than standard init (cmp)",
          "the layers' weight gradients drift apart more under standard init; normalized "
          "init keeps their variance alike across layers",
          f"largest / smallest per-layer dC/dW std, mean over {WINDOW}, per seed",
          f"ours: normalized's ratio lower, {PROBE_RULE}", "`make reproduce-fig9`, "
          "`make reproduce-init-vs-rate` (at equal rates)", PER_PROFILE),
    Claim("fig10-like-softsign", PAPER, "§4.2.2, Fig. 10 against Fig. 3",
          "tanh with normalized init evolves like softsign, not like tanh with standard init",
          "tanh with normalized init evolves like the softsign net of Fig. 3 (layers moving "
          "together, saturating less), not like standard tanh's layer-after-layer saturation",
          f"mean |difference| of the per-layer 2nd/98th-percentile extremes from softsign's, "
          f"over {WINDOW}", f"ours: Tanh N closer to softsign than Tanh is, {PROBE_RULE}",
          "`make reproduce-fig10`, `make reproduce-init-vs-rate` (at equal rates)",
          PER_PROFILE),
    Claim("backprop-shrinking-reverses", PAPER, "§4.2.2",
          "tanh, standard init: the downward shrinking of back-propagated gradients reverses "
          "soon after learning starts",
          "the trend of Fig. 7 (smaller back-propagated gradients in lower layers) reverses "
          "very quickly once learning starts",
          "per-layer dC/ds std, layer 1 against the top layer, over the first epoch",
          "ours: layer 1 / top below 1 at init, reaching 1 within one of the paper's epochs "
          "(2e5 examples), in a majority of seeds", "`make reproduce-fig3`", PER_PROFILE),
    # -- test error ------------------------------------------------------------------------
    Claim("sigmoid5-stays-at-chance", PAPER, "§3.1, Fig. 11, Table 1",
          "sigmoid, 5 hidden layers: stays at chance",
          "the 5-layer sigmoid net never leaves the chance regime (flat at ~83.5%; Table 1: "
          "82.61%)", LAST_FIFTH, "ours: within 2 SE + 1 point of chance (5/6)",
          "`make reproduce-table1`", PER_PROFILE),
    Claim("sigmoid4-escapes", PAPER, "§3.1, Fig. 11",
          "sigmoid, 4 hidden layers: stuck at chance, then learns",
          "the 4-layer sigmoid net is stuck at chance until ~6.5e6 examples, then learns "
          "(ends ~35%)", "the first evaluation 5 points below chance",
          "ours: it leaves the plateau; not at this scale while it has not and the runs end "
          "before 6.5e6 examples",
          "`make reproduce-fig2`", PER_PROFILE),
    Claim("table1-sigmoid-worst", PAPER, "§5, Table 1",
          "Table 1: sigmoid is the worst 5-layer net",
          "Sigmoid 82.61% against 15.60-27.15% for the other 5-layer nets", LAST_FIFTH,
          f"ours: worse than each, {Z_RULE}",
          "`make reproduce-table1`", PER_PROFILE),
    Claim("table1-tanh-worst-of-rest", PAPER, "§5, Table 1",
          "Table 1: tanh with standard init is the worst of the rest",
          "Tanh 27.15% against Softsign 16.27, Softsign N 16.06, Tanh N 15.60", LAST_FIFTH,
          f"ours: worse than each, {Z_RULE}",
          "`make reproduce-table1`", PER_PROFILE),
    Claim("table1-normalized-helps-tanh", PAPER, "§5, Table 1, Fig. 11",
          "Table 1: normalized init helps tanh", "Tanh N 15.60% against Tanh 27.15%",
          LAST_FIFTH, f"ours: Tanh N better, {Z_RULE}",
          "`make reproduce-table1`", PER_PROFILE),
    Claim("table1-close-together", PAPER, "§5, Table 1",
          "Table 1: Softsign, Softsign N and Tanh N end close together",
          "16.27, 16.06, 15.60, all bold: the paper does not tell them apart", LAST_FIFTH,
          f"ours: every pair's |z| < 2 ({SEEDS_TEST})",
          "`make reproduce-table1`", PER_PROFILE),
    Claim("softsign-robust-to-init", PAPER, "§5, Table 1 (cmp)",
          "softsign is more robust to the init than tanh",
          "Softsign and Softsign N differ less than Tanh and Tanh N (16.27 vs 16.06; 27.15 vs "
          "15.60)", f"the gaps Softsign - Softsign N and Tanh - Tanh N, {LAST_FIFTH}",
          "ours: tanh's gap larger, z >= 2 from the four standard errors",
          "`make reproduce-table1`", PER_PROFILE),
    Claim("fig11-pretraining-best", PAPER, "§5, Fig. 11",
          "Fig. 11: pre-training ends best",
          "the net pre-trained as denoising auto-encoders ends best on Shapeset (~11% "
          "against >= ~16%)", LAST_FIFTH,
          f"ours: better than the best other net, {Z_RULE}",
          "`make reproduce-fig11`", PER_PROFILE),
    Claim("layer-sizes-gains", PAPER, "§5",
          "tanh: normalized init's gain holds with layer sizes that grow or shrink with depth",
          "the same gains hold when the layers' sizes grow or shrink with depth",
          f"Tanh against Tanh N with layers 1500 down to 500 and back, {LAST_FIFTH}",
          f"ours: Tanh N better at both shapes, {Z_RULE}",
          "`make reproduce-layer-sizes`", PER_PROFILE),
    Claim("equal-rate-normalized-saturates-more", BEYOND, "ours: the controlled comparison "
          "behind Figs. 9 and 10", "tanh: at equal learning rate, normalized init saturates "
          "the units more than standard init",
          "at one learning rate, tanh units saturate more under normalized init than under "
          "standard init (no paper number)", f"saturated share (|z| > 0.8), mean over the "
          f"layers and {WINDOW}, per seed", f"ours: normalized's higher at every rate, "
          f"{PROBE_RULE}", "`make reproduce-init-vs-rate`",
          PER_PROFILE),
    # -- finite data sets ------------------------------------------------------------------
    Claim("mnist-sigmoid-worst", PAPER, "§5, Table 1 (MNIST)",
          "MNIST: sigmoid is the worst 5-layer net",
          "Sigmoid 2.21% against Softsign 1.64, Softsign N 1.72, Tanh 1.76, Tanh N 1.64",
          LAST_FIFTH + " (10,000 test images)", f"ours: worse than each, {Z_RULE}",
          "`make reproduce-fig12`", ONCE),
    Claim("mnist-sigmoid-learns", PAPER, "§5, Table 1 (MNIST)",
          "MNIST: the 5-layer sigmoid net (standard init) learns",
          "the 5-layer sigmoid net reaches 2.21% on MNIST",
          "the first evaluation 5 points below chance, 10 and 30 epochs, at the searched "
          "rate and a tenth of it; the top layer's saturation",
          "ours: test error 5 points below chance within the budget, at the searched rate; "
          "not at this scale while it has not and the runs are shorter than the paper's",
          "`make reproduce-fig12`, `make reproduce-mnist-sigmoid`", ONCE),
    Claim("cifar10-sigmoid-worst", PAPER, "§5, Table 1 (CIFAR-10)",
          "CIFAR-10: sigmoid is the worst 5-layer net",
          "Sigmoid 57.28% against Softsign 55.78, Softsign N 53.8, Tanh 55.9, Tanh N 52.92",
          LAST_FIFTH + " (10,000 test images)", f"ours: worse than each, {Z_RULE}",
          "`make reproduce-fig12` (needs the CIFAR-10 file)", ONCE),
    Claim("cifar10-normalized-helps-tanh", PAPER, "§5, Table 1 (CIFAR-10)",
          "CIFAR-10: normalized init helps tanh", "Tanh N 52.92% against Tanh 55.9%",
          LAST_FIFTH + " (10,000 test images)", f"ours: Tanh N better, {Z_RULE}",
          "`make reproduce-fig12` (needs the CIFAR-10 file)", ONCE),
    Claim("svm-baseline", PAPER, "§2.1",
          "A 5-layer tanh net (normalized init) beats an RBF SVM on the same finite Shapeset",
          "on 1e5 Shapeset examples an RBF SVM errs 59.47%, a 5-layer tanh net with "
          "normalized init 50.47%", "test error of both on the same N training examples",
          "ours: the net better at the largest N both ran, z >= 2 (binomial + curve "
          "scatter); worse below 1e5 examples is not at this scale", "`make reproduce-svm`", ONCE),
    # -- the design grid -------------------------------------------------------------------
    Claim("grid-quadratic-slower", PAPER, "§4.1, Fig. 5",
          "trained nets: the quadratic cost leaves the chance-level plateau later than "
          "cross-entropy", "the quadratic cost's plateaus make training slower",
          "for each (activation, init, depth) pair, the example at which test error first "
          "falls 5 points below chance, quadratic against cross-entropy",
          "ours: quadratic later in more pairs than earlier, sign test p < 0.05",
          "`make sweep-grid`", ONCE),
    Claim("grid-best-depth", PAPER, "§2.3",
          "the best depth is 5 for tanh and softsign, 4 for sigmoid (cross-entropy)",
          "on Shapeset the best depth was 5 for every activation but sigmoid (4)",
          "the depth with the lowest final test error per activation (cross-entropy)",
          "ours: as the paper's; otherwise not at this scale before half its budget",
          "`make sweep-grid`", ONCE),
    # -- beyond the paper: training ------------------------------------------------------
    Claim("relu30-he-trains", BEYOND, "He et al. (2015), Fig. 3",
          "ReLU, 30 hidden layers: He init trains, normalized init does not",
          "at 30 layers ReLU nets train from He init and stall from the paper's normalized "
          "init", "the first evaluation 5 points below chance, each init",
          "ours: He's leaves the plateau and normalized's does not, or both leave and He's "
          "earlier and better (z >= 2)", "`make reproduce-beyond`",
          PER_PROFILE),
    Claim("relu5-both-train", BEYOND, "He et al. (2015), Fig. 2",
          "ReLU, 5 hidden layers: both inits train",
          "at moderate depth both inits converge, He's sooner",
          "the first evaluation 5 points below chance, each init", "ours: both leave the "
          "plateau", "`make reproduce-beyond`", PER_PROFILE),
    Claim("sigmoid-kumar-rescues", BEYOND, "Kumar (2017), section 4",
          "Sigmoid, 5 hidden layers: Kumar's init rescues the net the paper says never leaves "
          "chance", "an init scaled for sigmoid's slope at its operating point trains deep "
          "sigmoid nets (the paper's Table 1: Sigmoid 82.61%)", LAST_FIFTH,
          f"ours: Kumar's better, {Z_RULE}, and off the plateau",
          "`make reproduce-beyond`", PER_PROFILE),
    Claim("bn-tanh-alike", BEYOND, "Ioffe & Szegedy (2015), section 3.3",
          "Tanh, 5 hidden layers, batch norm: standard and normalized init end alike",
          "batch norm makes training less sensitive to the initial scale of the weights",
          LAST_FIFTH, "ours: |z| < 2, both off the plateau",
          "`make reproduce-beyond`", PER_PROFILE),
    Claim("bn-relu-alike", BEYOND, "Ioffe & Szegedy (2015), section 3.3",
          "ReLU, 5 hidden layers, batch norm: standard and normalized init end alike",
          "batch norm makes training less sensitive to the initial scale of the weights",
          LAST_FIFTH, "ours: |z| < 2, both off the plateau",
          "`make reproduce-beyond`", PER_PROFILE),
    Claim("rbm-pretraining-helps", BEYOND, "Hinton et al. (2006); Erhan et al. (2010)",
          "Tanh, 5 hidden layers, standard init: RBM pre-training ends better than none",
          "unsupervised pre-training helps deep nets", LAST_FIFTH,
          f"ours: better, {Z_RULE}", "`make reproduce-fig11`",
          PER_PROFILE),
    Claim("conv-fan-channels-tanh", BEYOND, "ours; the libraries' convention",
          "Conv net (Tanh N): counting fan-in over the channels alone trains worse",
          "a conv layer's fan-in counts the receptive field (channels x kernel area)",
          LAST_FIFTH, "ours: the receptive-field count better (z >= 2), or off the plateau "
          "while the other is not; the other better (z <= -2) refutes it",
          "`make reproduce-beyond`", PER_PROFILE),
    Claim("conv-fan-channels-relu", BEYOND, "ours; the libraries' convention",
          "Conv net (ReLU He): counting fan-in over the channels alone trains worse",
          "a conv layer's fan-in counts the receptive field (channels x kernel area)",
          LAST_FIFTH, "ours: the receptive-field count better (z >= 2), or off the plateau "
          "while the other is not; the other better (z <= -2) refutes it",
          "`make reproduce-beyond`", PER_PROFILE),
    Claim("mistake-trains-worse", BEYOND, "ours; the libraries' convention",
          "the right scheme trains better than the mistake",
          "each common init mistake trains worse than the scheme it was meant to be",
          LAST_FIFTH, "ours: the right one better (z >= 2), or off the plateau while the "
          "mistake is not; the mistake better (z <= -2) refutes it",
          "`make reproduce-init-mistakes`",
          PER_PROFILE),
    # -- beyond the paper: at initialization -----------------------------------------------
    Claim("linear-moments", BEYOND, "§4.2.1 (exact for the identity); He et al. (2015)",
          "Linear nets: each layer multiplies the 2nd moment of s (forward) and of dC/ds "
          "(backward) by n Var[W]: 1/3 standard, ~1 normalized, 2 He",
          "in a linear net each layer scales the 2nd moments by n Var[W]",
          "geometric-mean per-layer ratio of the 2nd moments over 50 layers",
          "ours: within 5% of n Var[W]", "`make reproduce-depth-scan`", ONCE),
    Claim("relu-he-keeps", BEYOND, "He et al. (2015), Eq. 10",
          "ReLU keeps the 2nd moment of s layer to layer under He init and halves it per "
          "layer under normalized init", "ReLU passes n Var[W] / 2 of the 2nd moment",
          "per-layer ratio of the 2nd moment of s", "ours: within 10% of 1 and 0.5",
          "`make reproduce-depth-scan`", ONCE),
    Claim("tanh-vanishing-depth", BEYOND, "§4.2.1-4.2.2 (Eqs. 13-16), to 50 layers",
          "Tanh: under standard init activations and back-propagated gradients vanish "
          "geometrically with depth (x ~1/sqrt(3) per layer); under normalized init only "
          "slowly (activations ~1/sqrt(layer), as tanh's curvature shrinks them)",
          "the paper's variance argument carried to 50 layers",
          "std of activations and dC/ds, layer 50 against layer 5",
          "ours: layer 50 / layer 5 below 1e-8 standard and in [0.2, 0.6] normalized "
          "(activations); layer 1 / layer 50 below 1e-8 standard, above 0.05 normalized "
          "(gradients)",
          "`make reproduce-depth-scan`", ONCE),
    Claim("isometry-orthogonal", BEYOND, "Pennington, Schoenholz & Ganguli (2017), Figs. 1-2",
          "Orthogonal tanh nets near criticality keep the input-output Jacobian's singular "
          "values concentrated near 1 as depth grows; Gaussian ones spread with depth; ReLU "
          "nets cannot reach it", "dynamical isometry needs orthogonal weights and a "
          "sigmoidal activation near criticality", "std/mean of the singular values over depth",
          "ours: at depth 50 orthogonal tanh's spread below half the Gaussian's and every ReLU "
          "net's, growing less than the Gaussian's, which grows",
          "`make reproduce-isometry`", ONCE),
    Claim("random-walk-linear", BEYOND, "Sussillo & Abbott (2014), section 3",
          "Linear nets: with g = exp(1/(2N)) the log of the back-propagated gradient's squared "
          "norm does an unbiased random walk over depth (mean flat, variance k psi'(N/2) ~ "
          "2k/N after k layers); with g = 1 it drifts down by ~1/N per layer",
          "their gain makes the log gradient norm an unbiased random walk (exact for linear "
          "nets)", "mean and variance of the log squared norm after k layers, many nets",
          "ours: means within 4 SE and variances within 3 SE of theory; g = 1 below 0 by "
          "more than 4 SE",
          "`make reproduce-random-walk`", ONCE),
    Claim("random-walk-relu", BEYOND, "Sussillo & Abbott (2014), section 4",
          "ReLU nets: with g = sqrt(2) exp(1.2 / (max(N, 6) - 2.4)) the walk is unbiased (mean "
          "flat) and its variance grows linearly with depth and inversely with width; with "
          "He's sqrt 2 the mean drifts down", "their fitted gain for ReLU",
          "mean and variance of the log squared norm over depth and widths",
          "ours: mean flat within 4 SE, variance slope x width constant within 25%; He's "
          "mean drifts down",
          "`make reproduce-random-walk`", ONCE),
    Claim("conv-fan-inflates", BEYOND, "the libraries' convention; LeCun et al. (1998), He "
          "et al. (2015)", "Counting a conv layer's fan-in as its channels alone inflates the "
          "pre-activation variance by the kernel area",
          "fan_in = in_channels x kernel area", "layer 1's mean square of s, channels-only "
          "against the receptive field", "ours: the ratio within 10% of the kernel area",
          "`make reproduce-conv-scan`", ONCE),
    Claim("conv-receptive-alike", BEYOND, "§4.2.1, with n the receptive field",
          "Counted over the receptive field, normalized init keeps conv layers alike as it "
          "keeps dense ones; counted over channels the signal grows by ~k^2 per layer",
          "n Var[W] = 1 for equal fans", "per-layer 2nd moment of s in linear conv nets, "
          "geometric mean over layers and 8 seeds", "ours: receptive field within 2 SE of "
          "theory, channels-only growing > 10x per layer", "`make reproduce-conv-scan`",
          ONCE),
    Claim("mistakes-shrink-signal", BEYOND, "ours: n Var[W] per layer, §4.2.1",
          "N(0, 0.01^2) in a 5 x 1000 net shrinks the signal by ~0.01 sqrt(1000) = 0.32 per "
          "layer; a variance passed as the std (0.001), by ~0.03",
          "a small fixed std shrinks the signal by std x sqrt(n) per layer",
          "per-layer ratio of the activations' std at init", "ours: within 15% of theory",
          "`make reproduce-init-mistakes`", ONCE),
    Claim("mistakes-std-as-variance-saturates", BEYOND, "ours: n Var[W] = 31.6",
          "A std passed as the variance (std 0.178) saturates tanh in most units",
          "n Var[W] far past tanh's linear range saturates its units",
          "share of |z| > 0.9 per layer at init", "ours: above half in layer 5",
          "`make reproduce-init-mistakes`", ONCE),
    Claim("mistakes-zeros-symmetric", BEYOND, "ours: symmetry",
          "All-zero weights: every unit of a layer computes the same value",
          "nothing tells the units of a layer apart", "largest spread of z across a layer's "
          "units over the probe examples", "ours: exactly 0 in every layer",
          "`make reproduce-init-mistakes`", ONCE),
    # -- the order-to-chaos map (mean-field theory) ----------------------------------------
    Claim("mean-field-maps-at-init", BEYOND, "Poole et al. (2016), section 2",
          "In a wide random tanh net the length q and two inputs' correlation c follow the "
          "length and correlation maps from layer to layer",
          "wide random nets carry length and correlation as the maps say",
          "largest gap over 30 layers between measured (mean of 8 weight draws) and mapped "
          "c and q, width 1000, sigma_w^2 1, 1.75, 3 (sigma_b^2 0.05)",
          "ours: correlation within 0.05 and length within 10% at every layer",
          "`make reproduce-order-chaos` (no training)", ONCE),
    Claim("mean-field-gradient-at-init", BEYOND, "Schoenholz et al. (2017), section 3",
          "A back-propagated gradient's mean square changes by chi_1 = sigma_w^2 "
          "E[phi'(h)^2] per layer: it vanishes where chi_1 < 1 and explodes where chi_1 > 1",
          "the gradient changes by chi_1 per layer",
          "geometric mean over layers of the measured per-layer ratio over the predicted one",
          "ours: within 5% for every net", "`make reproduce-order-chaos` (no training)", ONCE),
    Claim("standard-init-ordered-edge", BEYOND, "Schoenholz et al. (2017) applied to §4.2.2",
          "With zero biases the paper's standard init gives tanh nets sigma_w^2 = 1/3: the "
          "ordered phase, chi_1 = 1/3 (the paper's 3x smaller gradient variance per layer), "
          "xi_c = 1/ln 3 = 0.91, so that 6 xi_c = 5.5 puts its 5-layer nets at the edge of "
          "trainability; the normalized init's sigma_w^2 = 1 is the critical point chi_1 = 1",
          "standard init is ordered with 5 layers at ~6 xi_c; normalized is critical",
          "chi_1 and 6 xi_c of both inits from the maps (Gauss-Hermite)",
          "ours: standard chi_1 within 1% of 1/3 and 6 xi_c within 5 +- 1.5 layers; "
          "normalized chi_1 within 1% of 1", "`make reproduce-order-chaos` (no training)", ONCE),
    Claim("trainability-follows-depth-scale", BEYOND, "Schoenholz et al. (2017), section 5",
          "Random tanh nets train only up to a depth of about 6 xi_c: the trainable region "
          "over (sigma_w^2, depth) follows the depth scale, widest at the edge of chaos",
          "nets train where depth <= ~6 xi_c",
          "test error of each (sigma_w^2, depth) net after one pass over MNIST; trained: "
          "below half of chance's error (ours)",
          "ours: 'trained' and 'depth <= 6 xi_c' agree in >= 80% of the grid's nets",
          "`make reproduce-trainability`", ONCE),
    # -- what the frameworks draw by default ---------------------------------------------
    Claim("framework-defaults-on-the-map", BEYOND, "the frameworks' documentation; "
          "pytorch/pytorch#15314",
          "PyTorch's nn.Linear draws weights and biases from U[-1/sqrt(n_in), 1/sqrt(n_in)]: "
          "sigma_w^2 = 1/3 and sigma_b^2 = 1/(3 n_in), the paper's standard init with tiny "
          "biases; Keras' glorot_uniform is the paper's normalized init, Flax's lecun_normal "
          "has sigma_w^2 = 1, both with zero biases",
          "PyTorch's default sits with the standard init, Keras' and Flax's at criticality",
          "chi_1 of each default (1000-unit layers) from the maps",
          "ours: PyTorch's within 1% of the standard init's; Keras' and Flax's within 1% of 1",
          "`make reproduce-order-chaos` (no training)", ONCE),
    Claim("torch-default-like-standard", BEYOND, "ours, from framework-defaults-on-the-map",
          "A 5 x 1000 tanh net built from PyTorch's defaults trains like the paper's "
          "standard-init net, not like its normalized one",
          "PyTorch's default tanh net trains like the standard init's",
          f"test error, {LAST_FIFTH}, 3 seeds each, every net at the rate 0.03 (ours)",
          "ours: within noise of standard (|z| < 2) and apart from normalized (|z| >= 2); "
          "not at this scale while standard and normalized are not told apart",
          "`make reproduce-framework-defaults`", PER_PROFILE),
    Claim("flax-default-like-normalized", BEYOND, "ours, from framework-defaults-on-the-map",
          "A 5 x 1000 tanh net built from Flax's default trains like the paper's "
          "normalized-init net, not like its standard one",
          "Flax's default tanh net trains like the normalized init's",
          f"test error, {LAST_FIFTH}, 3 seeds each, every net at the rate 0.03 (ours)",
          "ours: within noise of normalized (|z| < 2) and apart from standard (|z| >= 2); "
          "not at this scale while standard and normalized are not told apart",
          "`make reproduce-framework-defaults`", PER_PROFILE),
)  # fmt: skip


def claim(id: str) -> Claim:
    """A declared claim; an unknown id is a wiring mistake, named."""
    try:
        return CLAIMS[id]
    except KeyError:
        raise KeyError(f"no claim {id!r} is declared in analysis/claims/index.py") from None
