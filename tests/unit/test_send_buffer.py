"""The capture client's send buffer: a replay (waiting for room) never loses a frame, even
when channel ends and failover resends sit in the buffer with it."""

from __future__ import annotations

import numpy as np

from copilot.capture.frames import AudioFrame
from copilot.remote.buffer import END, SendBuffer
from copilot.server import framing


def _frame(channel: int, seq: int) -> tuple[int, int, bytes]:
    audio = AudioFrame(np.zeros(160, dtype=np.float32), 16000, seq * 0.01)
    return (channel, -1, framing.encode(channel, seq, audio))


def _send_all(buf: SendBuffer) -> None:
    while buf.pending:
        buf.sent_first(buf.pending[0])  # as the client's pump does, once the socket took it


def _end(channel: int) -> tuple[int, int, str]:
    return (channel, END, '{"op": "end"}')


def test_a_channel_end_does_not_take_the_room_a_replay_waited_for():
    stats = {"dropped": 0, "sent": 0, "acked": 0}
    buf = SendBuffer(4, stats)
    for seq in range(3):
        buf.add(_frame(0, seq))
    assert buf.size() < buf.max  # a replay sees room for one more frame, and takes it ...
    buf.add(_end(1))  # ... while the other channel's end goes in
    buf.add(_frame(0, 3))
    assert stats["dropped"] == 0
    assert [it[1] for it in buf.pending] == [0, 1, 2, END, 3]


def test_failover_resend_of_a_finished_channel_drops_nothing():
    stats = {"dropped": 0, "sent": 0, "acked": 0}
    buf = SendBuffer(4, stats, retain=100)
    for seq in range(2):
        buf.add(_frame(1, seq))
    buf.add(_end(1))  # channel 1 has ended
    _send_all(buf)
    buf.ack({"1": 1})  # the old owner acknowledged it all, then died
    for seq in range(3):
        buf.add(_frame(0, seq))
    _send_all(buf)
    assert buf.size() < buf.max  # a replay's next frame is on its way to the loop ...
    assert buf.rewind({}, takeover=True) == 3  # ... when the new owner says it holds nothing
    buf.add(_frame(0, 3))
    assert stats["dropped"] == 0
    got = [(it[0], it[1]) for it in buf.pending]
    assert got == [(1, 0), (1, 1), (1, END), (0, 0), (0, 1), (0, 2), (0, 3)]


def test_a_full_buffer_still_drops_the_oldest_frame_and_counts_it():
    stats = {"dropped": 0, "sent": 0, "acked": 0}
    buf = SendBuffer(3, stats)
    for seq in range(5):
        buf.add(_frame(0, seq))
    buf.add(_end(0))
    assert stats["dropped"] == 2
    assert [it[1] for it in buf.pending] == [2, 3, 4, END]
    _send_all(buf)
    buf.ack({"0": 4})
    assert buf.size() == 0


def test_a_frame_dropped_while_it_was_being_sent_is_not_counted_as_dropped():
    stats = {"dropped": 0, "sent": 0, "acked": 0}
    buf = SendBuffer(2, stats)
    buf.add(_frame(0, 0))
    head = buf.pending[0]  # on its way out on the socket ...
    buf.add(_frame(0, 1))
    buf.add(_frame(0, 2))  # ... when a new frame needs its room
    assert stats["dropped"] == 1
    buf.sent_first(head)  # it went all the same
    assert stats["dropped"] == 0 and stats["sent"] == 1
    assert [it[1] for it in buf.unacked] == [0] and [it[1] for it in buf.pending] == [1, 2]
    assert buf.size() == 3


class _Watched(SendBuffer):
    """Records the size a replay thread could read after every change of the counters."""

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        if name in ("frames", "owed") and "seen" in self.__dict__:
            self.seen.append(self.size())


def test_acking_frames_resent_after_a_takeover_never_shows_room_that_is_not_there():
    stats = {"dropped": 0, "sent": 0, "acked": 0}
    buf = _Watched(4, stats, retain=10)
    for seq in range(3):
        buf.add(_frame(0, seq))
    _send_all(buf)
    buf.ack({"0": 2})  # the old owner acknowledged them, then died before transcribing
    buf.add(_frame(0, 3))
    assert buf.rewind({}, takeover=True) == 3  # kept frames go again, beyond the bound
    _send_all(buf)
    assert buf.size() == 1
    buf.seen = []
    buf.ack({"0": 2})  # the new owner acknowledges the resent frames
    # a replay thread checks size() without the loop's help: had it read 0 between the two
    # counters' updates it would add a frame the full buffer must then drop
    assert buf.seen and min(buf.seen) == 1 and buf.size() == 1
    assert stats["dropped"] == 0
