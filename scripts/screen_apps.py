"""The ten kinds of app a generated screen recording shows, one builder each: slides, a
spreadsheet, a terminal with a stack trace, an editor, a browser, a chat, email, a document, an
admin console, a video call. Each draws its content (from screen_content.py's banks) on a
Screen below the chrome."""

from __future__ import annotations

import re

from screen_canvas import CHROME, H, W, split_secret

KINDS = (
    "slides",
    "spreadsheet",
    "terminal",
    "editor",
    "browser",
    "chat",
    "email",
    "document",
    "admin",
    "call",
)


def slides(scr, rng, entry, theme, secrets):
    _title, heading, bullets = entry
    dark = rng.random() < 0.4
    slide_bg, fg = ("#14213d", "#f5f5f5") if dark else ("#ffffff", "#1b1b1b")
    scr.rect([0, CHROME, W, H], fill="#d9d9d9")
    left = 260 if rng.random() < 0.5 else 60
    if left == 260:
        for i in range(5):
            scr.rect([30, CHROME + 30 + i * 150, 220, CHROME + 140 + i * 150], fill="#ffffff")
    scr.rect([left, CHROME + 30, W - 60, H - 40], fill=slide_bg)
    size_h, size_b = rng.choice([(54, 32), (48, 30), (58, 34)])
    centred = rng.random() < 0.5
    x = (left + W - 60) // 2 if centred else left + 90
    scr.text(x, CHROME + 120, heading, size_h, fg, bold=True, anchor="ma" if centred else "la")
    y = CHROME + 270
    for b in bullets:
        scr.text(left + 130, y, ("• " if rng.random() < 0.7 else "- ") + b, size_b, fg)
        y += size_b + rng.choice([34, 42, 50])
    n = rng.randint(3, 14)
    scr.text(W - 120, H - 90, f"Slide {n} of {n + rng.randint(2, 9)}", 16, fg, anchor="ra")


def spreadsheet(scr, rng, entry, theme, secrets):
    _title, header, labels = entry
    size = rng.choice([15, 16, 17])
    menu = "File  Edit  View  Insert  Format  Sheet  Data  Tools  Window  Help"
    scr.text(20, CHROME + 10, menu, 15, theme["fg"])
    rows = []
    for label in labels:
        planned = rng.randrange(40, 900) * 100
        actual = planned + rng.randrange(-90, 90) * 100
        rows.append([label, f"${planned:,}", f"${actual:,}", f"${planned - actual:,}"])
    total_p = sum(int(r[1][1:].replace(",", "")) for r in rows)
    total_a = sum(int(r[2][1:].replace(",", "")) for r in rows)
    rows.append(["Total", f"${total_p:,}", f"${total_a:,}", f"${total_p - total_a:,}"])
    y0 = CHROME + 50
    scr.rect([0, y0, W, y0 + 34], fill=theme["bar"])
    scr.text(20, y0 + 8, f"B{len(rows) + 1}", 15, theme["fg"])
    scr.text(140, y0 + 8, f"=SUM(B2:B{len(rows)})", 15, theme["fg"])
    top, rh = y0 + 50, rng.choice([34, 38, 42])
    widths = [60, rng.choice([260, 300]), 200, 200, 200]
    xs = [0]
    for w in widths:
        xs.append(xs[-1] + w)
    head_fill = rng.choice(["#d9ead3", "#dde7f7", "#f3e3c3"])
    grid = theme["muted"]
    scr.rect([0, top, xs[-1], top + rh], fill=theme["bar"])
    for c, letter in enumerate("ABCD"):
        scr.text(
            (xs[c + 1] + xs[c + 2]) // 2, top + rh // 2, letter, 14, theme["muted"], anchor="mm"
        )
    for r, row in enumerate([header, *rows]):
        y = top + (r + 1) * rh
        if r == 0:
            scr.rect([xs[1], y, xs[-1], y + rh], fill=head_fill)
        scr.text(xs[1] - 12, y + rh // 2, str(r + 1), 14, theme["muted"], anchor="rm")
        for c, cell in enumerate(row):
            colour = "#1b1b1b" if r == 0 else theme["fg"]
            bold = r == 0 or cell == "Total"
            if c == 0:
                scr.text(xs[1] + 10, y + rh // 2, cell, size, colour, bold=bold, anchor="lm")
            else:
                scr.text(xs[c + 2] - 10, y + rh // 2, cell, size, colour, bold=bold, anchor="rm")
        scr.d.line([0, y, xs[-1], y], fill=grid)
    for x in xs[1:]:
        scr.d.line([x, top, x, top + (len(rows) + 2) * rh], fill=grid)
    scr.text(20, H - 30, "Sheet1", 14, theme["fg"])


def terminal(scr, rng, entry, theme, secrets):
    title, command, pre, frames, error = entry
    bg, fg, err = rng.choice(
        [
            ("#300a24", "#ffffff", "#ff6b6b"),
            ("#1e1e1e", "#d4d4d4", "#f48771"),
            ("#fdf6e3", "#586e75", "#dc322f"),
        ]
    )
    scr.rect([0, CHROME, W, H], fill=bg)
    size = rng.choice([15, 16, 17])
    step = size + rng.choice([7, 9])
    user_host = title.split(":")[0]
    path = title.split(": ", 1)[1]
    prompt = f"{user_host}:{path}$ "
    lines = [(prompt + command, fg)] + [(p, fg) for p in pre]
    if error.startswith("Error:"):  # node
        lines.append((error, err))
        for file, line, fn, _ in frames:
            lines.append((f"    at {fn} ({file}:{line}:{rng.randint(3, 40)})", fg))
    else:
        lines.append(("Traceback (most recent call last):", fg))
        for file, line, fn, code in frames:
            lines.append((f'  File "{file}", line {line}, in {fn}', fg))
            lines.append((f"    {code}", fg))
        lines.append((error, err))
    lines.append((prompt, fg))
    y = CHROME + 12
    for text, colour in lines:
        box = scr.text(14, y, text, size, colour, mono=True)
        y += step
    scr.cursor = (box[2] + 4, box[1], box[2] + 4 + int(size * 0.6), box[1] + size + 2)


def editor(scr, rng, entry, theme, secrets):
    title, files, code = entry
    dark = rng.random() < 0.6
    bg, fg, side, muted = (
        ("#1e1e1e", "#d4d4d4", "#252526", "#858585")
        if dark
        else ("#ffffff", "#1f1f1f", "#f3f3f3", "#6e7681")
    )
    scr.rect([0, CHROME, W, H], fill=bg)
    scr.rect([0, CHROME, 48, H], fill="#333333" if dark else "#2c2c2c")
    sw = rng.choice([260, 300, 340])
    scr.rect([48, CHROME, 48 + sw, H - 24], fill=side)
    scr.text(64, CHROME + 12, "EXPLORER", 13, muted, bold=True)
    scr.text(64, CHROME + 44, files[0].upper(), 14, fg, bold=True)
    for i, name in enumerate(files[1:]):
        scr.text(84, CHROME + 76 + i * 28, name, 15, fg)
    name = title.split(" - ")[0]
    scr.rect([48 + sw, CHROME, 48 + sw + 220, CHROME + 36], fill=bg)
    scr.text(48 + sw + 20, CHROME + 9, name, 15, fg)
    size = rng.choice([15, 16, 17])
    step = size + rng.choice([7, 9])
    y, x0 = CHROME + 56, 48 + sw + 70
    keyword = "#569cd6" if dark else "#0000ff"
    for i, line in enumerate(code):
        scr.text(x0 - 20, y, str(i + 1), 14, muted, mono=True, anchor="ra")
        colour = keyword if re.match(r"(import|def|class|return|from)\b", line.strip()) else fg
        if line.strip().startswith("#"):
            colour = "#6a9955" if dark else "#008000"
        end = scr.parts(x0, y, split_secret(line, secrets), size, colour, mono=True)
        y += step
    scr.cursor = (end + 2, y - step, end + 4, y - step + size + 2)
    scr.rect([0, H - 24, W, H], fill="#007acc")
    status = f"Ln {len(code)}, Col 1    Spaces: 4    UTF-8    LF"
    scr.text(W - 20, H - 20, status, 13, "#ffffff", anchor="ra")


def _browser_chrome(scr, rng, tab, url, theme) -> int:
    scr.rect([0, CHROME, W, CHROME + 40], fill=theme["bar"])
    scr.rect([10, CHROME + 4, 330, CHROME + 40], fill=theme["bg"])
    scr.text(24, CHROME + 12, tab[:34], 14, theme["fg"])
    scr.rect([0, CHROME + 40, W, CHROME + 84], fill=theme["bg"], outline=theme["bar"])
    scr.rect([120, CHROME + 48, W - 200, CHROME + 78], fill=theme["bar"])
    scr.text(136, CHROME + 55, url, 15, theme["fg"])
    return CHROME + 84


def browser(scr, rng, entry, theme, secrets):
    title, url, heading, cards = entry
    top = _browser_chrome(scr, rng, title.split(" - ")[0], url, theme)
    site = title.split(" - ")[1]
    scr.text(80, top + 28, site, 22, theme["fg"], bold=True)
    x = W - 80
    for link in reversed(["Product", "Pricing", "Docs", "Blog", "Sign in"]):
        box = scr.text(x, top + 32, link, 17, theme["muted"], anchor="ra")
        x = box[0] - 36
    scr.text(W // 2, top + 130, heading, rng.choice([38, 44]), theme["fg"], bold=True, anchor="ma")
    rows = rng.random() < 0.5
    for i, (name, price, blurb) in enumerate(cards):
        if rows:
            bx, by, bw, bh = 360, top + 240 + i * 170, W - 720, 140
        else:
            bx, by, bw, bh = 180 + i * 540, top + 260, 480, 300
        scr.rect([bx, by, bx + bw, by + bh], outline=theme["muted"], width=2)
        scr.text(bx + 30, by + 24, name, 26, theme["fg"], bold=True)
        scr.text(bx + 30, by + 70, price, 20, theme["fg"])
        scr.text(bx + 30, by + 106, blurb, 17, theme["muted"])


def chat(scr, rng, entry, theme, secrets):
    title, channels, messages = entry
    side = rng.choice(["#3f0e40", "#1f2a37", "#19171d"])
    sw = rng.choice([280, 320])
    scr.rect([0, CHROME, sw, H], fill=side)
    workspace = title.split(" - ")[1] if " - " in title else title
    scr.text(20, CHROME + 18, workspace, 19, "#ffffff", bold=True)
    scr.text(20, CHROME + 70, "Channels", 15, "#cfc3cf")
    current = title.split(" - ")[0]
    for i, ch in enumerate(channels):
        colour = "#ffffff" if ch in current else "#cfc3cf"
        scr.text(34, CHROME + 104 + i * 32, f"# {ch}", 16, colour)
    scr.text(20, CHROME + 130 + len(channels) * 32, "Direct messages", 15, "#cfc3cf")
    head = channels[1]
    scr.text(sw + 24, CHROME + 16, f"# {head}", 20, theme["fg"], bold=True)
    scr.d.line([sw, CHROME + 56, W, CHROME + 56], fill=theme["bar"], width=2)
    y = CHROME + 80
    size = rng.choice([16, 17, 18])
    for who, when, text in messages:
        scr.rect([sw + 24, y, sw + 64, y + 40], fill=rng.choice(["#e8912d", "#2eb67d", "#36c5f0"]))
        box = scr.text(sw + 80, y, who, size, theme["fg"], bold=True)
        scr.text(box[2] + 12, y + 2, when, 14, theme["muted"])
        scr.parts(sw + 80, y + size + 10, split_secret(text, secrets), size, theme["fg"])
        y += 2 * size + rng.choice([40, 52])
    scr.rect([sw + 24, H - 90, W - 24, H - 30], outline=theme["muted"], width=2)
    scr.text(sw + 44, H - 70, f"Message # {head}", 16, theme["muted"])


def email(scr, rng, entry, theme, secrets):
    _title, inbox, subject, body = entry
    scr.rect([0, CHROME, 240, H], fill=theme["bar"])
    for i, folder in enumerate(["Inbox", "Drafts", "Sent", "Archive", "Junk"]):
        scr.text(28, CHROME + 24 + i * 34, folder, 16, theme["fg"])
    list_top = CHROME + 16
    split = rng.random() < 0.5  # list above the message, or beside it
    lw = W - 240 if split else 640
    for i, (who, subj, date) in enumerate(inbox):
        y = list_top + i * 64
        if subj == subject:
            scr.rect(
                [240, y - 6, 240 + lw, y + 54],
                fill="#cfe3ff" if theme["bg"] == "#ffffff" else "#2f4a6d",
            )
        scr.text(260, y, who, 16, theme["fg"], bold=True)
        scr.text(240 + lw - 20, y, date, 14, theme["muted"], anchor="ra")
        scr.text(260, y + 26, subj, 15, theme["fg"])
    x0, y = (260, list_top + len(inbox) * 64 + 40) if split else (240 + lw + 40, list_top)
    scr.text(x0, y, subject, 24, theme["fg"], bold=True)
    sender = next(w for w, s, _ in inbox if s == subject)
    scr.text(x0, y + 44, f"From: {sender}", 15, theme["muted"])
    scr.text(x0, y + 68, "To: Finance team", 15, theme["muted"])
    y += 120
    for line in body:
        for part in scr.wrap(line, 17, W - x0 - 60):
            scr.text(x0, y, part, 17, theme["fg"])
            y += 30
        y += 8


def document(scr, rng, entry, theme, secrets):
    _title, heading, paragraphs = entry
    scr.rect([0, CHROME, W, H], fill="#e8e8e8")
    scr.text(20, CHROME + 10, "File  Edit  View  Insert  Format  Tools  Help", 15, "#303030")
    pw = rng.choice([900, 1000, 1100])
    px = (W - pw) // 2
    scr.rect([px, CHROME + 50, px + pw, H], fill="#ffffff")
    scr.text(px + 90, CHROME + 130, heading, rng.choice([30, 34]), "#111111", bold=True)
    y, size = CHROME + 210, rng.choice([17, 18, 19])
    for p in paragraphs:
        for part in scr.wrap(p, size, pw - 180):
            scr.text(px + 90, y, part, size, "#222222")
            y += size + 14
        y += 18


def admin(scr, rng, entry, theme, secrets):
    title, url, heading, keys = entry
    top = _browser_chrome(scr, rng, title.split(" - ")[0], url, theme)
    scr.rect([0, top, 260, H], fill=theme["bar"])
    for i, item in enumerate(["Overview", "Projects", "Billing", "API keys", "Settings"]):
        scr.text(30, top + 30 + i * 40, item, 16, theme["fg"], bold=item == "API keys")
    scr.text(320, top + 30, heading, 30, theme["fg"], bold=True)
    cols = [320, 620, 1380]
    y = top + 110
    for c, name in enumerate(["Name", "Key", "Created"]):
        scr.text(cols[c], y, name, 15, theme["muted"], bold=True)
    for name, key, created in keys:
        y += 48
        scr.text(cols[0], y, name, 16, theme["fg"])
        scr.parts(cols[1], y, split_secret(key, secrets), 16, theme["fg"], mono=True)
        scr.text(cols[2], y, created, 16, theme["fg"])
    scr.rect([320, y + 70, 480, y + 112], fill="#2563eb")
    scr.text(400, y + 91, "Create key", 16, "#ffffff", anchor="mm")


def call(scr, rng, entry, theme, secrets):
    _title, people, chat_lines = entry
    scr.rect([0, CHROME, W, H], fill="#1a1a1a")
    cols = 3 if len(people) > 4 else 2
    tw, th = (1380 - 40) // cols, 330
    for i, who in enumerate(people):
        x, y = 20 + (i % cols) * (tw + 10), CHROME + 20 + (i // cols) * (th + 10)
        scr.rect([x, y, x + tw, y + th], fill=rng.choice(["#2d3a4a", "#3a2d4a", "#2d4a3a"]))
        scr.text(x + 16, y + th - 36, who, 18, "#ffffff")
    scr.rect([1400, CHROME, W, H - 80], fill="#262626")
    scr.text(1420, CHROME + 16, "Meeting chat", 18, "#ffffff", bold=True)
    for i, line in enumerate(chat_lines):
        scr.text(1420, CHROME + 64 + i * 40, line, 15, "#e0e0e0")
    scr.rect([0, H - 80, W, H], fill="#111111")
    x = 400
    for label in ["Mute", "Stop Video", "Share Screen", "Participants", "Chat", "Leave"]:
        box = scr.text(x, H - 52, label, 16, "#ff5c5c" if label == "Leave" else "#f0f0f0")
        x = box[2] + 70


BUILDERS = {k: globals()[k] for k in KINDS}
