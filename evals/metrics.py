"""Evaluation metrics: spectral / waveform distances, distribution metrics on embeddings, CLAP
metrics, and edit-specific measures.

Arrays are ``(frames,)`` mono or ``(channels, frames)`` float (channels are averaged to mono where
a metric is defined on mono, as audioldm_eval does); sample rates in Hz.

- ``lsd``: log-spectral distance as audioldm_eval computes it (via ``ssr_eval.AudioMetrics``).
- ``si_sdr``: scale-invariant SDR (Le Roux et al., 2019), dB.
- ``frechet_distance``: FAD / FD between two sets of embeddings (any embedding function).
- ``kl_divergence`` / ``inception_score``: on class posteriors (audioldm_eval's definitions);
  ``ZeroShotClassifier`` gives posteriors from a CLAP model over a label vocabulary.
- ``clap_score``: cosine similarity of an audio embedding and a text embedding.
- edit-specific: ``span_loudness_error_db``, ``duration_ratio_error``, ``onset_order_accuracy``
  (with ``detect_onset_s``), ``preservation`` (SNR dB and LSD outside the edited spans).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np

from audioedit.metrics import (  # noqa: F401 - re-exported: the signal metrics live in audioedit
    LSD_EPS, SNR_CAP_DB, level_db, lsd, lsd_params, lsd_per_frame, si_sdr, snr_db, stft_magnitude, to_mono,
)

KL_EPS = 1e-6  # audioldm_eval's EPS in calculate_kl


# --------------------------------------------------------------------------------------------
# distributions of embeddings / class posteriors


def frechet_distance(a: np.ndarray, b: np.ndarray, eps: float = 1e-6) -> float:
    """Fréchet distance between Gaussians fitted to embeddings ``a (n, d)`` and ``b (m, d)``:
    ``|mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2))`` (FAD, Kilgour et al. 2019; as
    audioldm_eval's ``calculate_frechet_distance``, with its ``eps`` diagonal offset when the
    product is singular). Which embedding is the caller's choice (see ``embed_fn``)."""
    from scipy import linalg

    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError(f"frechet_distance needs two (n>=2, d) arrays with the same d; got {a.shape}, {b.shape}")
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        covmean = linalg.sqrtm(s_a @ s_b)
    if not np.isfinite(covmean).all():
        offset = np.eye(len(s_a)) * eps
        covmean = linalg.sqrtm((s_a + offset) @ (s_b + offset))
    covmean = np.real(covmean)
    diff = mu_a - mu_b
    return float(diff @ diff + np.trace(s_a) + np.trace(s_b) - 2 * np.trace(covmean))


def kl_divergence(p_ref: np.ndarray, p_est: np.ndarray) -> np.ndarray:
    """Per-pair ``KL(p_ref || p_est) = sum_c p_ref (log p_ref - log(p_est + 1e-6))`` in nats for
    rows of class posteriors ``(n, classes)`` (audioldm_eval's ``calculate_kl``: torch ``kl_div``
    of the generated log-softmax (+EPS) against the reference softmax, summed over classes)."""
    p, q = np.atleast_2d(np.asarray(p_ref, np.float64)), np.atleast_2d(np.asarray(p_est, np.float64))
    terms = np.where(p > 0, p * (np.log(np.where(p > 0, p, 1.0)) - np.log(q + KL_EPS)), 0.0)
    return terms.sum(axis=1)


def inception_score(posteriors: np.ndarray, splits: int = 1) -> tuple[float, float]:
    """(mean, std) over ``splits`` of ``exp(mean_x KL(p(y|x) || p(y)))`` for ``(n, classes)``
    posteriors (Salimans et al. 2016; audioldm_eval's ``calculate_isc`` without its shuffling)."""
    p = np.asarray(posteriors, np.float64)
    scores = []
    for part in np.array_split(p, max(1, min(splits, len(p)))):
        marginal = part.mean(axis=0, keepdims=True)
        kl = np.where(part > 0, part * (np.log(np.where(part > 0, part, 1.0)) - np.log(marginal + 1e-300)), 0.0)
        scores.append(float(np.exp(kl.sum(axis=1).mean())))
    return float(np.mean(scores)), float(np.std(scores))


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    z = np.asarray(logits, np.float64)
    z = z - z.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


class ZeroShotClassifier:
    """Class posteriors ``(n, len(labels))`` = softmax(cosine(audio, "the sound of <label>") / T)
    with any ``ClapModel``; the default classifier for KL and IS (pluggable: any callable
    ``list[Audio] -> (n, classes)`` works in their place)."""

    def __init__(self, clap, labels: Sequence[str], temperature: float = 0.07,
                 template: str = "the sound of {}"):
        self.clap, self.labels, self.temperature = clap, list(labels), float(temperature)
        self.text = clap.embed_text([template.format(label.replace("_", " ")) for label in self.labels])

    def __call__(self, audios: list) -> np.ndarray:
        return softmax(self.clap.embed_audio(audios) @ self.text.T / self.temperature)


def clap_score(audio_embedding: np.ndarray, text_embedding: np.ndarray) -> float:
    """Cosine similarity of one audio and one text embedding (CLAP score; 1 = same direction)."""
    a, t = np.asarray(audio_embedding, np.float64), np.asarray(text_embedding, np.float64)
    return float(a @ t / max(np.linalg.norm(a) * np.linalg.norm(t), 1e-12))


EmbedFn = Callable[[list], np.ndarray]


# --------------------------------------------------------------------------------------------
# edit-specific


def _frames(spans_s: Sequence[Sequence[float]], n: int, sample_rate_hz: int) -> np.ndarray:
    """Bool mask ``(n,)``: True inside any span (seconds, clipped to the clip)."""
    mask = np.zeros(n, bool)
    for a, b in spans_s:
        mask[max(0, int(round(a * sample_rate_hz))) : max(0, min(n, int(round(b * sample_rate_hz))))] = True
    return mask


def span_loudness_error_db(est: np.ndarray, target: np.ndarray, spans_s: Sequence[Sequence[float]],
                           sample_rate_hz: int) -> float | None:
    """``|level(est in spans) - level(target in spans)|`` in dB (RMS over the spans' samples,
    all channels); None when the spans hold no sample."""
    est, target = np.atleast_2d(est), np.atleast_2d(target)
    n = min(est.shape[1], target.shape[1])
    mask = _frames(spans_s, n, sample_rate_hz)
    if not mask.any():
        return None
    return abs(level_db(est[:, :n][:, mask]) - level_db(target[:, :n][:, mask]))


def active_duration_s(x: np.ndarray, sample_rate_hz: int, threshold_db: float = -30.0, hop_s: float = 0.01) -> float:
    """Seconds from the first to the last ``hop_s`` frame whose RMS is within ``threshold_db`` of
    the loudest frame (0 for silence)."""
    x = to_mono(x)
    hop = max(1, int(round(hop_s * sample_rate_hz)))
    n = len(x) // hop
    if n == 0:
        return 0.0
    rms = np.sqrt(np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1))
    if rms.max() <= 0:
        return 0.0
    active = np.flatnonzero(20 * np.log10(np.maximum(rms, 1e-12) / rms.max()) >= threshold_db)
    return float((active[-1] - active[0] + 1) * hop / sample_rate_hz)


def duration_ratio_error(est_duration_s: float, target_duration_s: float) -> float | None:
    """``|est / target - 1|`` (0 = the asked duration exactly); None for a zero target."""
    if target_duration_s <= 0:
        return None
    return abs(est_duration_s / target_duration_s - 1.0)


def detect_onset_s(audio: np.ndarray, template: np.ndarray, sample_rate_hz: int) -> float:
    """Onset (s) where ``template`` best matches ``audio``: the lag of the cross-correlation
    maximum over the lags where the template lies inside the audio (mono, FFT-based)."""
    x, t = to_mono(audio), to_mono(template)
    t = t[: len(x)]
    size = 1 << int(np.ceil(np.log2(len(x) + len(t))))
    corr = np.fft.irfft(np.fft.rfft(x, size) * np.conj(np.fft.rfft(t, size)), size)[: len(x) - len(t) + 1]
    return float(np.argmax(corr) / sample_rate_hz)


def onset_order_accuracy(onsets_s: dict[str, float], expected_order: Sequence[str]) -> float | None:
    """Fraction of the pairs of ``expected_order`` (earliest first) whose detected onsets are in
    that order (1 = the whole order right); None with fewer than two events."""
    names = [n for n in expected_order if n in onsets_s]
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    if not pairs:
        return None
    return sum(onsets_s[a] < onsets_s[b] for a, b in pairs) / len(pairs)


def preservation(est: np.ndarray, source: np.ndarray, spans_s: Sequence[Sequence[float]], sample_rate_hz: int,
                 margin_s: float = 0.1) -> dict[str, float | None]:
    """How unchanged ``est`` is outside the edited ``spans_s`` (each widened by ``margin_s``):
    ``{"outside_snr_db": SNR of est vs source there (cap 100 = untouched), "outside_lsd": LSD of
    the outside samples, concatenated}``; both None when nothing lies outside."""
    est, source = np.atleast_2d(est), np.atleast_2d(source)
    n = min(est.shape[1], source.shape[1])
    inside = _frames([(a - margin_s, b + margin_s) for a, b in spans_s], n, sample_rate_hz)
    outside = ~inside
    if outside.sum() < sample_rate_hz // 10:
        return {"outside_snr_db": None, "outside_lsd": None}
    e, s = est[:, :n][:, outside], source[:, :n][:, outside]
    return {"outside_snr_db": snr_db(e, s), "outside_lsd": lsd(e, s, sample_rate_hz)}
