"""Which window is active and which are visible, where the platform tells it (X11 for now).

Uses python-xlib (pure Python, imported lazily). With a window manager, EWMH properties answer
(_NET_ACTIVE_WINDOW, _NET_CLIENT_LIST_STACKING); without one (bare Xvfb) the top-level children
of the root window and the X input focus do. Anywhere else every function returns None: window
titles are a hint for the description and the privacy filter, never a requirement.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class WindowInfo:
    """A top-level window: title, app (WM_CLASS class, e.g. 'libreoffice-calc'), geometry."""

    title: str
    app: str
    x: int
    y: int
    width: int
    height: int
    id: int = 0
    instance: str = ""

    @property
    def rect(self) -> tuple[int, int, int, int]:
        return (self.x, self.y, self.width, self.height)


@dataclass(frozen=True)
class WindowSnapshot:
    """The active window (may be None) and the visible windows, bottom to top."""

    active: WindowInfo | None
    visible: tuple[WindowInfo, ...]

    def relative_to(self, left: int, top: int) -> WindowSnapshot:
        """Shift geometry into a display's own coordinates."""
        if not left and not top:
            return self

        def move(w):
            return replace(w, x=w.x - left, y=w.y - top)

        return WindowSnapshot(
            active=move(self.active) if self.active else None,
            visible=tuple(move(w) for w in self.visible),
        )


_local = threading.local()


def _display():
    """One Xlib connection per thread (Xlib objects are not thread-safe); None when unavailable."""
    if not os.environ.get("DISPLAY"):
        return None
    disp = getattr(_local, "display", None)
    name = os.environ["DISPLAY"]
    if disp is not None and getattr(_local, "name", None) == name:
        return disp
    try:
        from Xlib import display as xdisplay
    except ImportError:
        return None
    try:
        disp = xdisplay.Display(name)
    except Exception:
        return None
    _local.display, _local.name = disp, name
    return disp


def close() -> None:
    """Close this thread's X connection (call from a capture thread that is finishing)."""
    _reset()


def _reset() -> None:
    disp = getattr(_local, "display", None)
    _local.display = None
    if disp is not None:
        with contextlib.suppress(Exception):
            disp.close()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _title(disp, win) -> str:
    net_name = disp.intern_atom("_NET_WM_NAME")
    utf8 = disp.intern_atom("UTF8_STRING")
    prop = win.get_full_property(net_name, utf8)
    if prop is not None and prop.value:
        return _text(prop.value)
    return _text(win.get_wm_name())


def _info(disp, win) -> WindowInfo | None:
    try:
        attrs = win.get_attributes()
        if attrs.map_state != 2:  # IsViewable
            return None
        geo = win.get_geometry()
        root = disp.screen().root
        pos = win.translate_coords(root, 0, 0)
        wm_class = win.get_wm_class() or ("", "")
        return WindowInfo(
            title=_title(disp, win),
            app=_text(wm_class[1]),
            instance=_text(wm_class[0]),
            x=-pos.x,
            y=-pos.y,
            width=geo.width,
            height=geo.height,
            id=win.id,
        )
    except Exception:  # window vanished between listing and asking
        return None


def _client(disp, win):
    """The window itself or its first descendant carrying WM_CLASS (frames of a WM hold none)."""
    if win.get_wm_class() is not None:
        return win
    for child in win.query_tree().children:
        if child.get_wm_class() is not None:
            return child
    return win


def _top_level(disp, win):
    """Walk up from a focused sub-window to its child-of-root ancestor."""
    root = disp.screen().root
    current = win
    for _ in range(50):
        tree = current.query_tree()
        if tree.parent == 0 or tree.parent.id == root.id:
            return current
        current = tree.parent
    return current


def _window_ids(disp, atom: str) -> list[int] | None:
    root = disp.screen().root
    prop = root.get_full_property(disp.intern_atom(atom), 0)
    if prop is None:
        return None
    return [int(v) for v in prop.value]


def snapshot() -> WindowSnapshot | None:
    """Active + visible windows now, or None where the platform can't tell."""
    disp = _display()
    if disp is None:
        return None
    try:
        return _snapshot(disp)
    except Exception:
        _reset()  # a broken connection (server gone): next call reconnects or returns None
        return None


def _snapshot(disp) -> WindowSnapshot:
    root = disp.screen().root
    stacking = _window_ids(disp, "_NET_CLIENT_LIST_STACKING")
    if stacking is not None:
        wins = [disp.create_resource_object("window", wid) for wid in stacking]
    else:
        wins = [_client(disp, w) for w in root.query_tree().children]
    visible = []
    for win in wins:
        info = _info(disp, win)
        if info is not None and (info.title or info.app):
            visible.append(info)
    active = None
    active_ids = _window_ids(disp, "_NET_ACTIVE_WINDOW")
    if active_ids and active_ids[0]:
        active = _info(disp, disp.create_resource_object("window", active_ids[0]))
    else:
        focus = disp.get_input_focus().focus
        if not isinstance(focus, int) and focus.id != root.id:
            top = _top_level(disp, focus)
            ids = {top.id, _client(disp, top).id}
            active = next((w for w in visible if w.id in ids), None)
    if active is None and visible and stacking is None:
        active = visible[-1]  # no WM, no focus: the topmost window is what the user sees
    return WindowSnapshot(active=active, visible=tuple(visible))


def active_window() -> WindowInfo | None:
    snap = snapshot()
    return snap.active if snap else None


def visible_windows() -> list[WindowInfo] | None:
    snap = snapshot()
    return list(snap.visible) if snap else None
