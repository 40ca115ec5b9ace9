"""The offline description: what the screen is, its title, and its text in reading order."""

import pytest

from copilot.vision.describe import describe_screen
from copilot.vision.kinds import classify, split_title
from copilot.vision.layout import layout
from copilot.vision.ocr import OcrLine


def lines(*texts, height=20, x=10):
    return [OcrLine(t, (x, 30 * i, x + 300, 30 * i + height), 0.95) for i, t in enumerate(texts)]


def cell(text, x, y, w=120, h=20):
    return OcrLine(text, (x, y, x + w, y + h), 0.95)


def test_spreadsheet_title_from_the_title_bar_and_rows_as_rows():
    """No window system (a replay): the title is read off the screen; cells stay in rows."""
    screen = [
        cell("Activities", 10, 4, 80, 18),
        cell("10:42:07", 900, 4, 70, 18),
        cell("Budget.xlsx - LibreOffice Calc", 780, 36, 360),
        cell("File Edit View Insert Format Sheet Data Tools Window Help", 10, 100, 600),
        *(cell(c, x, 160) for c, x in (("A", 200), ("B", 420), ("C", 640))),
        *(cell(c, x, 200) for c, x in (("Channel", 200), ("Planned", 420), ("Actual", 640))),
        *(cell(c, x, 240) for c, x in (("Paid ads", 200), ("15,000", 420), ("12,100", 640))),
        *(cell(c, x, 280) for c, x in (("Events", 200), ("9,800", 420), ("11,300", 640))),
    ]
    d = describe_screen(screen, size=(1920, 1080))
    assert d.kind == "spreadsheet" and d.document == "Budget.xlsx"
    assert d.text.startswith("User is viewing a spreadsheet 'Budget.xlsx' in LibreOffice Calc: ")
    assert "Channel | Planned | Actual; Paid ads | 15,000 | 12,100; Events | 9,800" in d.text
    assert "File Edit" not in d.text and "10:42" not in d.text and "A | B" not in d.text


def test_stack_trace_keeps_its_head_last_frame_and_error():
    filler = [f'  File "lib/step{i}.py", line {i}, in step{i}' for i in range(30)]
    d = describe_screen(
        lines(
            "alice@box:~/src$ python report.py",
            "Traceback (most recent call last):",
            *filler,
            '  File "report.py", line 3, in <module>',
            "    total = paid / count",
            "ZeroDivisionError: division by zero",
        ),
        title="alice@box: ~/src",
        app="gnome-terminal-server",
    )
    assert d.text.startswith(
        "User is looking at an error in a terminal 'alice@box: ~/src' in GNOME Terminal: "
        "alice@box:~/src$ python report.py; Traceback (most recent call last): "
    )
    assert d.text.endswith(
        'File "report.py", line 3, in <module>; total = paid / count; '
        "ZeroDivisionError: division by zero"
    )
    assert "…" in d.text and len(d.text) < 700  # the middle frames are summarised


def test_side_panes_are_read_one_after_the_other():
    sidebar = [
        cell(t, 20, 100 + 32 * i, 140)
        for i, t in enumerate(
            ["Northwind", "Channels", "# general", "# release", "# random", "Direct messages"]
        )
    ]
    chat = [
        cell(t, 400, 111 + 40 * i, 520)
        for i, t in enumerate(
            ["Priya 9:41 AM", "The deploy finished", "Marcus 9:43 AM", "Checkout works on iOS"]
        )
    ]
    text = layout(sidebar + chat, (1920, 1080)).text
    assert text.index("Direct messages") < text.index("Priya 9:41 AM")
    assert "Marcus 9:43 AM\nCheckout works on iOS" in text


@pytest.mark.parametrize(
    "title,app,text,kind",
    [
        ("main.py - proj - Visual Studio Code", "Code", "def main():\nimport os", "code editor"),
        ("alice@box: ~/src", "gnome-terminal-server", "alice@box:~/src$ make", "terminal"),
        ("", "", "bob@host:~$ ls -la", "terminal"),
        ("Inbox - Mozilla Firefox", "firefox", "https://mail.example.com", "web browser"),
        ("general - Acme - Slack", "Slack", "Alice: shipping Friday?", "chat app"),
        ("Roadmap.pptx - PowerPoint", "", "Q3 goals", "slide deck"),
        ("", "", 'Traceback (most recent call last):\n  File "a.py"', "error"),
        ("Error", "zenity", "Could not save the file", "error"),
        ("", "", "From: Ana\nTo: Ops\nSubject: Invoices", "email client"),
        ("", "", "Mute  Stop Video  Share Screen  Leave", "video call"),
        ("", "", "hello world", "screen"),
    ],
)
def test_kinds(title, app, text, kind):
    assert classify(title, app, text) == kind


def test_prompt_words_choose_what_is_kept_and_it_stays_short():
    many = lines(
        *[f"Row {i} filler text nobody asked about at all" for i in range(40)],
        "Budget total 4.2M",
    )
    d = describe_screen(many, title="Plan - LibreOffice Calc", prompt="What is the budget?")
    assert (
        "Budget total 4.2M" in d.text and len(d.text) < 700 and d.text.endswith("Budget total 4.2M")
    )


def test_no_text_and_title_split():
    assert describe_screen([]).text == "Screen shows no readable text"
    assert split_title("Q3 Budget.ods — LibreOffice Calc") == ("Q3 Budget.ods", "LibreOffice Calc")
    assert split_title("Sheets - Q3 Budget.xlsx") == ("Q3 Budget.xlsx", "Sheets")
    assert split_title("Notes") == ("Notes", "")


def test_a_panel_clock_is_not_what_is_quoted():
    d = describe_screen(lines("10:00:08", "Agenda: budget review"), title="Notes")
    assert d.text == "User is viewing a window 'Notes': Agenda: budget review"
