"""Registry ops: one module per op, holding its step model, its execution (on a layer, an
isolated annotated event or the whole recording) and its acoustic verification.

    normalize.py NormalizeStep integrated loudness (BS.1770) with a peak limiter
    reverb.py   ReverbStep  room size / wet level (pedalboard's Freeverb), checked by RT60 and wet ratio
    eq.py       EqStep      timbre presets (muffled, brighter, telephone, radio, underwater, more / less bass),
                            checked by spectral centroid and band energy
    pitch.py    PitchStep   Rubber Band pitch shift, checked by aligning log-frequency spectra
    fade.py     FadeStep    fade in / out; pan.py PanStep: stereo position
    trim.py     TrimStep    time cut out of the recording (a stretch, all but a stretch, the silence at the ends)
    dehum.py    DehumStep   50 / 60 Hz mains hum found and notched
    channels.py ChannelsStep mono / stereo / left and right swapped
    declick.py  DeclickStep clicks found by their prediction error and filled in (autoregressive interpolation)
    deess.py    DeessStep   sibilance tamed: the band above 4.5 kHz turned down where it flares up
    level.py    LevelStep   the volume evened out (a slow leveller), checked by the loudness range (EBU Tech 3342)
    apply.py    where a whole-signal effect can run on a scene (recording / a stretch of it / stems / isolated event)
    measure.py  the measurements the checks share
    registry.py ``OPS``: op name -> module; ``get(op)``

The step models join ``audioedit.steps.EditStep``; ``audioedit.executor.router`` and ``audioedit.agents.verifier``
dispatch to the registry for these ops.
"""

import audioedit.steps  # noqa: F401  (the step vocabulary first: it imports the op step models below)
