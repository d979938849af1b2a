"""Saving uploads for the HTTP service: audio, an annotation, stems (files or one zip), each checked
(content type, name, size) before anything reads it; problems are ``ApiError`` (an HTTP status) or
``UserInputError`` (400)."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

from audioedit.errors import UserInputError

if TYPE_CHECKING:
    from fastapi import UploadFile

AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif", ".opus"}
AUDIO_TYPES = {"audio/wav": ".wav", "audio/x-wav": ".wav", "audio/wave": ".wav", "audio/flac": ".flac",
               "audio/x-flac": ".flac", "audio/ogg": ".ogg", "audio/mpeg": ".mp3", "audio/aiff": ".aiff",
               "audio/x-aiff": ".aiff", "audio/opus": ".opus"}
GENERIC_TYPES = {"", "application/octet-stream"}
TEXT_TYPES = {"application/json", "text/plain", "text/tab-separated-values", "text/csv"}
ZIP_TYPES = {"application/zip", "application/x-zip-compressed", "application/x-zip"}
STEM_FILE = re.compile(r"^(foreground|background)\d{1,4}_[A-Za-z0-9_\-]{1,64}$")
CHUNK = 1 << 20


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def _client_suffix(upload: UploadFile) -> str:
    name = upload.filename or ""
    base = PureWindowsPath(PurePosixPath(name).name).name  # strip any directory part, either style
    return Path(base).suffix.lower()


def _content_type(upload: UploadFile) -> str:
    return (upload.content_type or "").split(";")[0].strip().lower()


def _copy(upload: UploadFile, dest: Path, max_bytes: int) -> Path:
    total = 0
    upload.file.seek(0)
    with open(dest, "wb") as out:
        while chunk := upload.file.read(CHUNK):
            total += len(chunk)
            if total > max_bytes:
                raise ApiError(413, f"upload {dest.name} is over the limit of {max_bytes} bytes")
            out.write(chunk)
    if total == 0:
        raise UserInputError(f"the uploaded file for {dest.stem!r} is empty (0 bytes)")
    return dest


def save_audio_upload(upload: UploadFile, folder: Path, name: str, max_bytes: int) -> str:
    """Save an audio upload as ``<name><suffix>``; the suffix is a known audio one or 415."""
    ctype, suffix = _content_type(upload), _client_suffix(upload)
    if not (ctype.startswith("audio/") or ctype in GENERIC_TYPES):
        raise ApiError(415, f"audio upload has content type {ctype!r}; accepted: audio/* or application/octet-stream")
    if suffix not in AUDIO_SUFFIXES:
        suffix = AUDIO_TYPES.get(ctype, ".wav")
    return _copy(upload, folder / f"{name}{suffix}", max_bytes).name


def save_annotation_upload(upload: UploadFile, folder: Path, max_bytes: int) -> str:
    ctype, suffix = _content_type(upload), _client_suffix(upload)
    if ctype not in TEXT_TYPES | GENERIC_TYPES:
        raise ApiError(415, f"annotation has content type {ctype!r}; accepted: application/json (JAMS) or text/plain")
    name = "annotation.txt" if suffix in {".txt", ".tsv", ".csv"} else "annotation.jams"
    return _copy(upload, folder / name, max_bytes).name


def save_stems_upload(uploads: list[UploadFile], folder: Path, max_stems: int, max_bytes: int) -> str:
    """Stems from one zip or several files into ``folder/stems``; only ``<role><n>_<label>.<audio>`` names."""
    stems_dir = folder / "stems"
    stems_dir.mkdir()
    if len(uploads) == 1 and (_client_suffix(uploads[0]) == ".zip" or _content_type(uploads[0]) in ZIP_TYPES):
        _extract_stems_zip(uploads[0], stems_dir, max_stems, max_bytes)
    else:
        if len(uploads) > max_stems:
            raise UserInputError(f"{len(uploads)} stem files; the limit is {max_stems}")
        for upload in uploads:
            stem = PurePosixPath(PureWindowsPath(PurePosixPath(upload.filename or "").name).name).stem
            if not STEM_FILE.match(stem):
                raise UserInputError(f"stem file name {upload.filename!r}: expected names like foreground0_siren.wav")
            save_audio_upload(upload, stems_dir, stem, max_bytes)
    if not any(stems_dir.iterdir()):
        raise UserInputError("no stems in the upload: expected audio files named like foreground0_siren.wav")
    return "stems"


def _extract_stems_zip(upload: UploadFile, stems_dir: Path, max_stems: int, max_bytes: int) -> None:
    upload.file.seek(0)
    try:
        archive = zipfile.ZipFile(upload.file)
    except zipfile.BadZipFile:
        raise UserInputError("the stems upload is not a valid zip file") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > max_stems:
            raise UserInputError(f"the stems zip has {len(members)} files; the limit is {max_stems}")
        if sum(m.file_size for m in members) > 4 * max_bytes:
            raise UserInputError("the stems zip unpacks to more than 4x the upload limit")
        for member in members:
            base = PurePosixPath(member.filename.replace("\\", "/")).name
            stem, suffix = Path(base).stem, Path(base).suffix.lower()
            if base.startswith(".") or not STEM_FILE.match(stem) or suffix not in AUDIO_SUFFIXES:
                continue  # other files (readme, __MACOSX/...) are ignored
            dest = stems_dir / f"{stem}{suffix}"
            if dest.exists():
                raise UserInputError(f"the stems zip has two files for stem {stem!r}")
            with archive.open(member) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out, CHUNK)
