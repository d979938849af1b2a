"""The learned editor: a small MMDiT-style transformer that edits audio by predicting mel-band
log-gains on the source's STFT, conditioned on the instruction (MiniLM tokens).

- ``config``: ``EditorConfig`` and ``load_config`` (configs/editor/{debug,cpu,gpu}.yaml)
- ``representation``: STFT / log-mel latent / band-gain application at any rate
- ``model``: ``EditorNet``; ``text``: ``InstructionEncoder``; ``flow``: objective and sampler
- ``core``: ``Editor`` (representation + network + text); ``data``: on-the-fly training pairs
- ``editor``: ``LdmEditor`` (executor backend "ldm", localized editing) and ``load_editor``
- ``compose``: the six steps as learned edit / extract + DSP; ``train``, ``evaluate``, ``export``
- ``gpu``: the 44.1 kHz stereo VAE-latent path under accelerate

Heavy modules are imported lazily: ``from audioedit.executor.ldm import load_editor`` is cheap.
"""

from __future__ import annotations


def load_editor(path=None):
    """The shipped (or given) editor as an ``LdmEditor``; see ``audioedit.executor.ldm.editor.load_editor``."""
    from audioedit.executor.ldm.editor import load_editor as _load

    return _load(path)


__all__ = ["load_editor"]
