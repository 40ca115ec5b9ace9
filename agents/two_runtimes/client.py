"""The capture-client half of the two-runtime flow: holds only a client token, streams
audio files (or devices) to the backend, and prints the session's events.

    python agents/two_runtimes/client.py --config two_runtimes.json [--speed 4] [files…]

Without files it replays the bundled sample meeting (mic.ogg as the mic, system_audio.ogg as
system audio). `--screen DIR` adds a screen recording (a folder of PNGs named by their time,
like the sample's `screens/`) as the display. `--device` captures `mic:default` instead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from copilot.capture import CaptureClient
from copilot.data import sample_dir
from copilot.errors import NotEnabled

SAMPLE = sample_dir()


def channels_for(files: list[str], speed: str, screen: str | None = None) -> list[dict]:
    if not files:
        files = [str(SAMPLE / "mic.ogg"), str(SAMPLE / "system_audio.ogg")]
    kinds = ["mic", "system_audio"]
    channels = [
        {"channel_id": f"{kinds[min(i, 1)]}:file{i or ''}", "path": f, "speed": speed}
        for i, f in enumerate(files)
    ]
    if screen:
        channels.append({"channel_id": "display:file", "path": screen, "speed": speed})
    return channels


def make_client(token: str, base_url: str, **kw):
    try:
        return CaptureClient(client_token=token, base_url=base_url, **kw)
    except (NotEnabled, TypeError):  # a copilot without the server wiring: use the transport
        from copilot.remote.capture import RemoteCaptureClient

        return RemoteCaptureClient(token, base_url, **kw)


async def run(config: dict, channels: list, **client_options) -> list:
    client = make_client(config["token"], config["base_url"], **client_options)
    await client.start_session(
        capture_session_id=config["capture_session_id"],
        channels=channels,
        stop_when_sources_end=True,
    )
    events = []
    try:
        async for ev in client.events():
            events.append(ev)
            if ev.type == "transcript" and ev.is_final:
                print(f"[{ev.start:6.1f}] {ev.speaker}: {ev.text}", flush=True)
    finally:
        await client.shutdown()
    return events


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", default="two_runtimes.json", help="written by backend.py")
    p.add_argument("--speed", default="1", help="replay speed (1 = real time, or 'max')")
    p.add_argument("--device", action="store_true", help="capture mic:default instead")
    p.add_argument("--screen", default=None, help="a screen recording (folder of PNGs)")
    p.add_argument("files", nargs="*")
    args = p.parse_args()
    config = json.loads(Path(args.config).read_text())
    channels = ["mic:default"] if args.device else channels_for(args.files, args.speed, args.screen)
    asyncio.run(run(config, channels))


if __name__ == "__main__":
    main()
