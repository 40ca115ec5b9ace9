"""The remote capture transport over a real socket that drops: reconnect, no audio lost."""

from __future__ import annotations

import asyncio

from copilot.remote.capture import RemoteCaptureClient
from tests.server.support import BlipProxy


async def test_network_blip_loses_no_buffered_audio(backend, remote, client_sources):
    port = int(backend.url.rsplit(":", 1)[1])
    proxy = BlipProxy(port)
    try:
        cap = remote.create_capture_session()
        token = remote.generate_client_token(capture_session_id=cap.id)
        client = RemoteCaptureClient(
            token, f"http://127.0.0.1:{proxy.port}", sources=client_sources
        )
        opts = {"channel_id": "mic:tone", "seconds": 2.0, "pace": 0.01, "frame_s": 0.02}
        await client.start_session(capture_session_id=cap.id, channels=[opts])
        await asyncio.sleep(0.3)
        proxy.down = True
        proxy.cut()  # the network goes away for a moment; the tone keeps producing
        await asyncio.sleep(0.4)
        proxy.down = False
        source = backend.rt.sources.sources()[0]  # the remote source, registered first
        assert source.name == "remote"
        handle = source.handle(cap.id, "mic:tone")
        for _ in range(300):
            if handle.ended:
                break
            await asyncio.sleep(0.02)
        assert handle.ended
        assert handle.received == 100 and handle.last_seq == 99  # every frame, once, in order
        assert client.stats["reconnects"] >= 1 and client.stats["dropped"] == 0
        assert proxy.accepted >= 2
        for _ in range(100):
            channel, _ = cap.poll(types=["channel"])
            if channel:
                break
            await asyncio.sleep(0.02)
        assert channel and channel[0].status == "ended"
        await client.stop_session()
        assert cap.status == "stopped"
        await client.shutdown()
    finally:
        proxy.close()


async def test_full_buffer_drops_oldest_and_counts(backend, remote, client_sources):
    port = int(backend.url.rsplit(":", 1)[1])
    proxy = BlipProxy(port)
    try:
        cap = remote.create_capture_session()
        client = RemoteCaptureClient(
            remote.generate_client_token(),
            f"http://127.0.0.1:{proxy.port}",
            sources=client_sources,
            max_buffer_frames=20,
        )
        await client.start_session(
            capture_session_id=cap.id,
            channels=[{"channel_id": "mic:tone", "seconds": 1.0, "pace": 0.005, "frame_s": 0.02}],
        )
        proxy.down = True
        proxy.cut()
        await asyncio.sleep(0.6)
        proxy.down = False
        await asyncio.sleep(0.5)
        assert client.stats["dropped"] > 0
        await client.stop_session()
        assert cap.status == "stopped"
        await client.shutdown()
    finally:
        proxy.close()


async def test_vanished_client_session_stops_after_grace(backend, remote):
    import json

    from websockets.sync.client import connect

    backend.app.state.ingest_grace = 0.3
    cap = remote.create_capture_session()
    token = remote.generate_client_token(capture_session_id=cap.id)
    url = backend.url.replace("http://", "ws://") + "/v1/ingest"
    with connect(url, additional_headers={"authorization": f"Bearer {token}"}) as ws:
        start = {"op": "start", "capture_session_id": cap.id, "channels": [{"channel_id": "mic:x"}]}
        ws.send(json.dumps(start))
        assert json.loads(ws.recv())["op"] == "started"
    # the client went away without `stop` and does not re-attach
    for _ in range(100):
        if cap.status == "stopped":
            break
        await asyncio.sleep(0.05)
    assert cap.status == "stopped"
