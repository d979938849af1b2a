"""One thread-safe CLAP per process: the verifier's thread limit cannot race, the shipped CLAP loads once."""

from __future__ import annotations

import threading
import time

import numpy as np
import torch

import audioedit.clap as clap_pkg
from audioedit.audio import Audio
from audioedit.clap.base import ClapModel
from audioedit.clap.checks import CachedClap


class _SlowClap(ClapModel):
    """Records the torch thread count it runs under and how many calls overlap."""

    sample_rate_hz, name = 16_000, "slow"

    def __init__(self):
        self.inside, self.max_inside, self.seen_threads = 0, 0, set()
        self.lock = threading.Lock()

    def embed_audio(self, audios):
        with self.lock:
            self.inside += 1
            self.max_inside = max(self.max_inside, self.inside)
        self.seen_threads.add(torch.get_num_threads())
        time.sleep(0.002)
        with self.lock:
            self.inside -= 1
        return np.zeros((len(audios), 4), np.float32)

    def embed_text(self, texts):
        return np.ones((len(texts), 4), np.float32)


def test_two_workers_verifying_at_once_leave_the_thread_count_as_it_was():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        model = _SlowClap()
        shared = CachedClap(model, threads=1)
        clip = Audio(np.zeros((1, 1600), np.float32), 16_000)
        errors = []

        def worker():
            torch.set_num_threads(2)  # each worker thread starts at the service's setting
            try:
                for _ in range(25):
                    shared.embed_audio([clip])
                    shared.embed_text(["a siren", "a dog barking"])
                    assert torch.get_num_threads() == 2
            except AssertionError as exc:
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert model.max_inside == 1 and model.seen_threads == {1}  # serialised, always under the limit
        assert torch.get_num_threads() == 2
        fresh = []
        t = threading.Thread(target=lambda: fresh.append(torch.get_num_threads()))
        t.start()
        t.join()
        assert fresh == [2]  # new threads inherit the restored count, not a worker's 1
    finally:
        torch.set_num_threads(before)


def test_the_shipped_clap_is_loaded_once_per_process_even_from_two_threads(monkeypatch):
    loads = []

    def slow_load(config):
        loads.append(config)
        time.sleep(0.05)
        return _SlowClap()

    monkeypatch.setattr(clap_pkg, "_default", [])
    monkeypatch.setattr(clap_pkg, "load_clap", slow_load)
    monkeypatch.setattr(clap_pkg, "has_weights", lambda path: True)
    got = []
    threads = [threading.Thread(target=lambda: got.append(clap_pkg.default_clap())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(loads) == 1 and len({id(m) for m in got}) == 1


def test_the_verifier_and_detection_share_the_shipped_instance(monkeypatch):
    from audioedit.agents import verifier as verifier_mod

    shipped = _SlowClap()
    monkeypatch.setattr(clap_pkg, "_default", [shipped])
    verifier_mod._load_clap_cached.cache_clear()
    try:
        model, why = verifier_mod._load_clap_cached(None)
        assert isinstance(model, CachedClap) and model.model is shipped and "shipped" in why
        assert clap_pkg.default_clap() is shipped
    finally:
        verifier_mod._load_clap_cached.cache_clear()
