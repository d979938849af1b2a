"""The shared mel triangles and the two normalisations built on them."""

from __future__ import annotations

import numpy as np

from audioedit.clap.small_model import mel_filterbank as clap_filters
from audioedit.spectral import hz_to_mel, mel_to_hz, mel_triangles
from audioedit.executor.ldm.representation import mel_filterbank as editor_filters


def test_mel_scale_round_trip_and_triangles():
    assert np.allclose(mel_to_hz(hz_to_mel([0.0, 700.0, 8000.0])), [0.0, 700.0, 8000.0])
    weights, bins_hz, lower, centre, upper = mel_triangles(16000, 512, 40, 20.0, 8000.0)
    assert weights.shape == (40, 257) and weights.max() <= 1.0 and weights.min() == 0.0
    peak_bins = bins_hz[weights.argmax(axis=1)]
    assert np.all(np.abs(peak_bins - centre[:, 0]) <= 16000 / 512)  # each triangle peaks at its centre bin


def test_editor_rows_average_and_clap_rows_are_area_normalised():
    editor = editor_filters(16000, 512, 64, 0.0, 8000.0)
    assert np.allclose(editor.sum(axis=1), 1.0, atol=1e-5)  # every band, even the narrowest, is a bin average
    weights, _, lower, _, upper = mel_triangles(16000, 512, 64, 20.0, 8000.0)
    assert np.allclose(clap_filters(16000, 512, 64, 20.0, 8000.0), weights * 2.0 / (upper - lower), rtol=1e-6)
