"""Registry ops: one module per op, holding its step model, its execution (on a layer, an
isolated annotated event or the whole recording) and its acoustic verification.

    reverb.py   ReverbStep  room size / wet level (pedalboard's Freeverb), checked by RT60 and wet ratio
    eq.py       EqStep      timbre presets (muffled, brighter, telephone, radio, underwater), checked by
                            spectral centroid and band energy
    apply.py    where such a whole-signal effect can run on a scene (recording / stems / isolated event)
    registry.py ``OPS``: op name -> module; ``get(op)``

The step models join ``audioedit.steps.EditStep``; ``audioedit.executor.router`` and ``audioedit.agents.verifier``
dispatch to the registry for these ops.
"""

import audioedit.steps  # noqa: F401  (the step vocabulary first: it imports the op step models below)
