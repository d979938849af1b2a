"""``python -m audioedit.evals.broad_bank``: the held-out broad sounds as a Scaper-layout bank of links."""

from __future__ import annotations

import numpy as np
import soundfile as sf


def test_broad_bank_links_fold_5_under_vocabulary_keys_and_opens_as_a_bank(tmp_path):
    from audioedit.evals.broad_bank import main
    from audioedit.synth import open_bank

    root = tmp_path / "dev"
    for folder in ("esc50_16k", "moodist_ambience"):
        (root / folder).mkdir(parents=True)
    tone = (0.3 * np.sin(np.arange(16_000) / 5)).astype(np.float32)
    rows = ["path,label,split"]
    for name, label, fold in (("a.wav", "dog", "5"), ("b.wav", "rooster", "5"), ("c.wav", "dog", "1")):
        sf.write(root / "esc50_16k" / name, tone, 16_000)
        rows.append(f"esc50_16k/{name},{label},{fold}")
    (root / "esc50_16k" / "metadata.csv").write_text("\n".join(rows) + "\n")
    sf.write(root / "moodist_ambience" / "r.wav", np.tile(tone, 4), 16_000)
    (root / "moodist_ambience" / "metadata.csv").write_text("path,label\nmoodist_ambience/r.wav,river\n")
    main(["--data-root", str(root), "--out", str(tmp_path / "bank")])
    links = sorted(p.relative_to(tmp_path / "bank").as_posix() for p in (tmp_path / "bank").rglob("*.wav"))
    assert links == ["background/river/r.wav", "foreground/dog_bark/a.wav", "foreground/rooster/b.wav"]  # fold 1 left out
    assert all(p.is_symlink() for p in (tmp_path / "bank").rglob("*.wav"))
    assert set(open_bank(tmp_path / "bank").labels("foreground")) == {"dog_bark", "rooster"}
