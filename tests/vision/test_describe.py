"""The offline description answers from titles and text, not a raw OCR dump."""

import pytest

from copilot.vision.describe import classify, describe_screen, split_title
from copilot.vision.ocr import OcrLine


def lines(*texts, height=20):
    return [OcrLine(t, (10, 30 * i, 300, 30 * i + height), 0.95) for i, t in enumerate(texts)]


def test_spreadsheet_with_document_and_app():
    d = describe_screen(
        lines("File Edit View Insert Format Sheet", "Revenue 1.2M", "Costs 800K", "Margin 33%"),
        title="Q3 Budget - LibreOffice Calc",
        app="libreoffice-calc",
    )
    assert d.kind == "spreadsheet"
    assert d.text.startswith("User is viewing a spreadsheet 'Q3 Budget' in LibreOffice Calc")
    assert "Revenue 1.2M" in d.text and "File Edit" not in d.text


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
        ("", "", "hello world", "screen"),
    ],
)
def test_kinds(title, app, text, kind):
    assert classify(title, app, text) == kind


def test_stack_trace_names_the_exception():
    d = describe_screen(
        lines(
            "Traceback (most recent call last):",
            '  File "report.py", line 3, in <module>',
            "ZeroDivisionError: division by zero",
        ),
        title="alice@box: ~/src",
        app="gnome-terminal-server",
    )
    assert d.text == (
        "User is looking at an error in GNOME Terminal: ZeroDivisionError: division by zero"
    )


def test_prompt_words_choose_what_is_quoted_and_it_stays_short():
    many = lines(
        *[f"Row {i} filler text nobody asked about" for i in range(30)], "Budget total 4.2M"
    )
    d = describe_screen(many, title="Plan - LibreOffice Calc", prompt="What is the budget?")
    assert "Budget total 4.2M" in d.text and len(d.text) < 260


def test_no_text_and_title_split():
    assert describe_screen([]).text == "Screen shows no readable text"
    assert split_title("Q3 Budget.ods — LibreOffice Calc") == ("Q3 Budget.ods", "LibreOffice Calc")
    assert split_title("Notes") == ("Notes", "")


def test_a_panel_clock_is_not_what_is_quoted():
    d = describe_screen(lines("10:00:08", "Agenda: budget review"), title="Notes")
    assert d.text == "User is viewing a window 'Notes'; visible: Agenda: budget review"
