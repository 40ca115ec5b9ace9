"""A real Tk window for screen tests, driven by JSON lines on stdin (one process per window).

Commands: {"text": "..."} sets the big label, {"clock": "10:00:01"} the small clock label,
{"title": "..."} the window title, {"cursor": true|false} shows/hides the entry's text cursor
(a steady stand-in for blinking), {"visible": true|false} maps/unmaps the window (start it
unmapped with --hidden), {"quit": true}. After each command the window is redrawn and
"ok" is printed; "ready" is printed once the window is first on screen.
"""

import argparse
import json
import sys
import tkinter as tk


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--title", default="Notes")
    ap.add_argument("--text", default="Hello")
    ap.add_argument("--app", default="Tk", help="WM_CLASS class name")
    ap.add_argument("--geometry", default="1000x500+60+60")
    ap.add_argument("--font-size", type=int, default=28)
    ap.add_argument("--hidden", action="store_true")
    args = ap.parse_args()

    root = tk.Tk(className=args.app)
    root.title(args.title)
    root.geometry(args.geometry)
    root.configure(bg="white")
    label = tk.Label(root, text=args.text, font=("DejaVu Sans", args.font_size), bg="white")
    label.pack(pady=40)
    clock = tk.Label(root, text="10:00:00", font=("DejaVu Sans Mono", 11), bg="white")
    clock.pack(anchor="ne", padx=10)
    entry = tk.Entry(
        root, width=30, font=("DejaVu Sans", 14), insertofftime=0, highlightthickness=0
    )
    entry.pack(pady=10)

    def settle() -> None:
        for _ in range(3):
            root.update_idletasks()
            root.update()

    def on_input(*_):
        line = sys.stdin.readline()
        if not line:
            root.destroy()
            return
        cmd = json.loads(line)
        if cmd.get("quit"):
            root.destroy()
            return
        if "text" in cmd:
            label.configure(text=cmd["text"])
        if "clock" in cmd:
            clock.configure(text=cmd["clock"])
        if "title" in cmd:
            root.title(cmd["title"])
        if "visible" in cmd:
            if cmd["visible"]:
                root.deiconify()
                root.lift()
            else:
                root.withdraw()
        if "cursor" in cmd:
            entry.configure(insertwidth=2 if cmd["cursor"] else 0)
        settle()
        print("ok", flush=True)

    root.tk.createfilehandler(sys.stdin, tk.READABLE, on_input)
    settle()
    root.focus_force()
    entry.focus_set()
    settle()
    if args.hidden:
        root.withdraw()
        settle()
    root.after(300, lambda: print("ready", flush=True))
    root.mainloop()


if __name__ == "__main__":
    main()
