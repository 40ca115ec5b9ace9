"""Keep each channel's recording: audio as WAV while the session runs, FLAC once it stops;
displays as compressed keyframes (changed frames only) with their times.

Frames are handed to a writer thread through a bounded queue (drops counted, never silent).
Samples are placed by their session time, so a pause or a dropped frame becomes silence and
a sample's position in the file always maps back to the meeting timeline
(`audio/<channel>.json` holds the session time of the file's first sample).
"""

from __future__ import annotations

import json
import logging
import queue
import re
import threading
import time
import wave
from pathlib import Path

import numpy as np

from copilot.capture.frames import AudioFrame, VideoFrame
from copilot.events import RecordedFile, RecordingCompleteEvent
from copilot.store import RTStreamRecord
from copilot.store.private import create_private, private_dir, private_tree

log = logging.getLogger("copilot.recorder")
RATE = 16000
_STOP = object()
CLOSE_TIMEOUT = 30.0  # seconds close() waits for the writer thread
SILENCE_CHUNK = RATE * 10  # samples of silence written at a time (never one huge buffer)


def _stop_writer(q: queue.Queue, thread: threading.Thread, what: str) -> bool:
    """Tell a writer thread to finish and wait for it (bounded); False if it did not. A dead
    thread leaves a full queue behind: never wait on it forever."""
    deadline = time.monotonic() + CLOSE_TIMEOUT
    while thread.is_alive():
        try:
            q.put(_STOP, timeout=0.2)
            break
        except queue.Full:
            if time.monotonic() > deadline:
                break
    thread.join(max(0.0, deadline - time.monotonic()))
    if thread.is_alive():
        log.warning("%s: the writer thread did not finish within %g s", what, CLOSE_TIMEOUT)
        return False
    return True


def channel_file_stem(channel_id: str) -> str:
    """`mic:default` → `mic_default`: a safe, readable file name for a channel."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", channel_id).strip("_") or "channel"


class AudioRecorder:
    def __init__(self, folder: Path, channel_id: str, maxsize: int = 1000) -> None:
        private_dir(folder)
        stem = channel_file_stem(channel_id)
        self.wav_path = folder / f"{stem}.wav"
        self.flac_path = folder / f"{stem}.flac"
        self.meta_path = folder / f"{stem}.json"
        self.channel_id = channel_id
        self.dropped = 0
        self.errors = 0
        self.start: float | None = None
        self._queue: queue.Queue = queue.Queue(maxsize)
        self._thread = threading.Thread(
            target=self._run, name=f"copilot-record-{stem}", daemon=True
        )
        self._thread.start()

    def on_frame(self, frame) -> None:
        """Runtime loop: never waits."""
        if not isinstance(frame, AudioFrame) or frame.sample_rate != RATE:
            return
        if self.start is None:
            self.start = frame.pts
        samples = frame.samples if frame.samples.ndim == 1 else frame.samples.mean(axis=1)
        try:
            self._queue.put_nowait((frame.pts, samples))
        except queue.Full:
            self.dropped += 1

    def _run(self) -> None:
        written = 0
        create_private(self.wav_path)
        with wave.open(str(self.wav_path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            while (item := self._queue.get()) is not _STOP:
                try:
                    written = self._write(out, written, *item)
                except Exception as exc:  # one bad frame must not end the recording
                    self.errors += 1
                    if self.errors == 1:
                        log.warning("recording %s: a frame failed: %s", self.channel_id, exc)

    def _write(self, out, written: int, pts: float, samples: np.ndarray) -> int:
        at = round((pts - self.start) * RATE)
        while at > written:  # a gap (pause, drop): keep the timeline with silence
            n = min(at - written, SILENCE_CHUNK)
            out.writeframes(np.zeros(n, np.int16).tobytes())
            written += n
        skip = max(0, written - at)  # overlap: keep what was written
        pcm = np.clip(samples[skip:], -1.0, 1.0)
        out.writeframes((pcm * 32767).astype(np.int16).tobytes())
        return written + len(pcm)

    def close(self) -> Path | None:
        """Finish writing and compress to FLAC (blocking: call it off the loop; bounded)."""
        if not _stop_writer(self._queue, self._thread, f"recording {self.channel_id}"):
            return None  # still writing: leave the WAV as it is
        if self.start is None:
            self.wav_path.unlink(missing_ok=True)
            return None
        try:
            create_private(self.flac_path)
            wav_to_flac(self.wav_path, self.flac_path)
        except Exception as exc:  # keep the WAV rather than lose the recording
            log.warning("compressing %s failed, keeping WAV: %s", self.wav_path, exc)
            path = self.wav_path
        else:
            self.wav_path.unlink(missing_ok=True)
            path = self.flac_path
        meta = {
            "channel": self.channel_id,
            "start": self.start,
            "sample_rate": RATE,
            "file": path.name,
            "dropped_frames": self.dropped,
        }
        create_private(self.meta_path)
        self.meta_path.write_text(json.dumps(meta))
        return path


def wav_to_flac(wav: Path, flac: Path) -> None:
    import av

    with av.open(str(wav)) as src, av.open(str(flac), "w", format="flac") as dst:
        stream = dst.add_stream("flac", rate=RATE, layout="mono")
        for frame in src.decode(audio=0):
            frame.pts = None
            for packet in stream.encode(frame):
                dst.mux(packet)
        for packet in stream.encode(None):
            dst.mux(packet)


class ScreenRecorder:
    """Changed display frames → JPEG keyframes (`screen/<channel>/`), on a writer thread.

    `redact(pts, boxes, size)` blacks out boxes in the frame recorded at `pts` (the visual
    index found a secret there): it runs on the writer thread after that frame was written,
    or at once once the writer has finished."""

    VIDEO_MARK = "session_video"  # in the folder of the display that is the session's video

    def __init__(self, folder: Path, channel_id: str, maxsize: int = 8, video: bool = False):
        from copilot.vision.keyframes import KeyframeStore

        self.store = KeyframeStore(folder / channel_file_stem(channel_id), max_side=1920)
        if video:
            (self.store.directory / self.VIDEO_MARK).touch()
        self.dropped = 0
        self._queue: queue.Queue = queue.Queue(maxsize)
        self._closed = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._run, name=f"copilot-record-{channel_file_stem(channel_id)}", daemon=True
        )
        self._thread.start()

    def on_frame(self, frame) -> None:
        if not isinstance(frame, VideoFrame) or not frame.changed:
            return
        try:
            self._queue.put_nowait(frame)
        except queue.Full:
            self.dropped += 1

    def redact(self, pts: float, boxes, size: tuple[int, int]) -> None:
        """Any thread but the loop's (it may wait for room in the writer's queue)."""
        with self._lock:
            if not self._closed:
                try:
                    self._queue.put((pts, boxes, size), timeout=CLOSE_TIMEOUT)
                    return
                except queue.Full:  # the writer is stuck: paint it from here
                    pass
        self._repaint(pts, boxes, size)

    def _repaint(self, pts: float, boxes, size: tuple[int, int]) -> None:
        try:
            self.store.repaint(pts, boxes, size)
        except Exception as exc:
            log.warning("blacking out a secret in the keyframe at %.3f s failed: %s", pts, exc)

    def _run(self) -> None:
        while (frame := self._queue.get()) is not _STOP:
            if isinstance(frame, tuple):
                self._repaint(*frame)
                continue
            try:
                self.store.add(frame.image, frame.pts)
            except Exception as exc:
                log.warning("storing a keyframe failed: %s", exc)

    def close(self) -> Path | None:
        """Finish writing (bounded); the folder of keyframes, None if the writer is stuck."""
        with self._lock:  # a redaction queued before this is written before the writer ends
            self._closed = True
        if not _stop_writer(self._queue, self._thread, "screen recording"):
            return None
        private_tree(self.store.directory)  # the keyframes: 0600, like the audio
        return self.store.directory


def recorded_file(stream: RTStreamRecord, recorder, path: Path) -> RecordedFile:
    kind = "screen" if stream.category == "display" else "audio"
    return RecordedFile(
        channel=stream.channel_id, kind=kind, path=str(path), start=getattr(recorder, "start", None)
    )


def recording_complete(
    session_id: str, files: list[RecordedFile], video_channel_id: str | None, t0: float
) -> RecordingCompleteEvent:
    """What a stopped session kept: every channel's file, and which display is its video."""
    video = next((f.path for f in files if f.channel == video_channel_id), None)
    return RecordingCompleteEvent(
        capture_session_id=session_id,
        files=files,
        video_channel_id=video_channel_id,
        video=video,
        start=0.0,
        end=round(time.monotonic() - t0, 3),
    )
