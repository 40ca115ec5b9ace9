"""Sensitive content: what must alert, what must not, confidence, redaction, extension."""

import pytest

from copilot.intelligence import sensitive
from copilot.intelligence.sensitive import Finding, detect, redact

POSITIVES = [
    ("The admin password is purple elephant river.", "password", "purple elephant river"),
    ("It had been password is purple elephant river.", "password", "purple elephant river"),
    ("the wifi password is hunter2", "password", "hunter2"),
    ("my pin is four eight two one", "pin", "four eight two one"),
    ("card number 4111 1111 1111 1111 expiry 12/27", "card_number", "4111 1111 1111 1111"),
    ("it's four one one one one one one one one one one one one one one one", "card_number", None),
    ("amex 3782 822463 10005", "card_number", "3782 822463 10005"),
    ("my social security number is 219-09-9991", "ssn", "219-09-9991"),
    ("SSN 536 22 8726 for the form", "ssn", "536 22 8726"),
    ("national insurance number AB 12 34 56 C", "national_id", "AB 12 34 56 C"),
    ("wire it to GB82 WEST 1234 5698 7654 32 today", "iban", "GB82 WEST 1234 5698 7654 32"),
    ("DE89370400440532013000", "iban", "DE89370400440532013000"),
    ("aws key AKIAIOSFODNN7EXAMPLE", "api_key", "AKIAIOSFODNN7EXAMPLE"),
    ("token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "api_key", None),
    ("xoxb-123456789012-abcdefABCDEF", "api_key", "xoxb-123456789012-abcdefABCDEF"),
    ("OPENAI_API_KEY=sk-proj-Abc123Def456Ghi789Jkl012", "api_key", None),
    ("key AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "api_key", None),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N", "api_key", None),
    ("client secret: 9fQ2xL7vB1nR4tY8wZ3kM6pD", "api_key", "9fQ2xL7vB1nR4tY8wZ3kM6pD"),
    # said, not written: fillers, a login "for" something, keys spelled out piece by piece
    ("Login for the demo box is admin slash Winter2027.", "credential", "admin slash Winter2027"),
    ("The admin password, it's, um, Falcon, nine nine, at sign.", "password", "Falcon"),
    ("Our AWS key is A K I A, J seven Q two, X nine L four, M M eight P.", "api_key", None),
    ("Use the token G H P underscore four four x y z seven seven nine.", "api_key", None),
    ("Okay the secret key is, uh, Q7 F2 L9 X4 B8 M1 R3 T6.", "api_key", "Q7 F2 L9 X4 B8 M1 R3 T6"),
    ("The code for the storage room is seven, seven, three, nine.", "pin", None),
    ("My online banking password is, let me think, Bluebird twenty one.", "password", None),
    ("The wifi key for guests is sunshine-apple-42.", "password", "sunshine-apple-42"),
    ("The database password? It's hunter, all lower case, then two two.", "password", "hunter"),
    ("Her social is five three six, two two, eight seven two six.", "ssn", None),
    ("The recovery phrase is apple river candle mountain seven.", "password", None),
    (
        "My IBAN is G B eight two, W E S T, one two three four, five six nine eight, seven six"
        " five four, three two.",
        "iban",
        None,
    ),
    (
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
        "private_key",
        None,
    ),
]
NEGATIVES = [
    "Please do not read passwords out on a call. Put it in the password manager instead.",
    "The password is in the vault.",
    "I reset my password yesterday.",
    "The price is $4,111.11 per seat, or 1,299 euros.",
    "Call me at +1 (555) 123-4567 or 020 7946 0958.",
    "Your order number is 4111 1111 1111 1111.",
    "The meeting is on 2026-11-25 at 10:30.",
    "We sold 1234567890123 units",  # not a card prefix / Luhn
    "Ticket 123-45-6789 is closed.",  # SSN shape without any SSN context: still looks like one
    "Revenue grew 12 percent to 4.5 million in Q3.",
    "The token budget is 128000 per request.",
    "Room four oh four, floor two.",
    "It costs nine nine nine dollars.",
    "My card was declined yesterday.",
    "The secret is to start early.",
    "The API key is in the vault, ask Sam for access.",
    "The key takeaway is that Q3 revenue grew 12 percent.",
    "That token expired on the 4th, can you issue a new one?",
    "The key is A and B together, not one of them.",
    "We should rotate the API keys every ninety days.",
    "Our PIN policy requires six digits now.",
    "The card reader in reception is broken.",
    "Key dates: launch on the fifth, review on the twelfth.",
    "Two factor codes expire after thirty seconds.",
    "The error code for the build box is four oh four.",
    "My IBAN is on the invoice, page two.",
    "The social media plan is ready for review.",
]


@pytest.mark.parametrize(("text", "kind", "value"), POSITIVES)
def test_positives(text, kind, value):
    found = detect(text, 0.7)
    assert {f.kind for f in found} == {kind}, found  # a card's expiry is flagged with it
    if value is not None:
        assert text[found[0].start : found[0].end] == value
    assert 0.7 <= found[0].confidence <= 1.0


@pytest.mark.parametrize("text", NEGATIVES[:8] + NEGATIVES[9:])
def test_negatives(text):
    assert detect(text, 0.7) == []


def test_ssn_shape_alone_is_flagged_with_lower_confidence():
    (f,) = detect(NEGATIVES[8])
    assert f.kind == "ssn" and f.confidence < detect("my SSN is 219-09-9991")[0].confidence


def test_invalid_checksums_and_ids_do_not_alert():
    assert detect("4111 1111 1111 1112") == []  # Luhn fails
    assert detect("GB82 WEST 1234 5698 7654 33") == []  # mod-97 fails
    assert detect("my ssn is 666-12-3456") == [] and detect("ssn 123-00-4567") == []
    assert detect("QQ 12 34 56 C") == []  # QQ is not an issued NINO prefix


def test_redact_replaces_values_spoken_or_written():
    text = "card four one one one one one one one one one one one one one one one and pw"
    assert redact(text) == "card [REDACTED:card_number] and pw"
    assert redact("The admin password is purple elephant river.") == (
        "The admin password is [REDACTED:password]."
    )


def test_third_party_patterns_and_detectors(monkeypatch):
    monkeypatch.setattr(sensitive, "_DETECTORS", dict(sensitive._DETECTORS))
    sensitive.register_pattern("employee_id", r"\b(EMP-\d{6})\b", 0.8)
    assert [f.kind for f in detect("badge EMP-123456")] == ["employee_id"]

    def broken(text):
        raise RuntimeError("boom")

    sensitive.register_detector("broken", broken)
    sensitive.register_detector(
        "codeword", lambda t: [Finding("codeword", 0, 4, 0.9, "codeword")] if "zulu" in t else []
    )
    assert {f.kind for f in detect("zulu and EMP-123456")} == {"codeword", "employee_id"}


def test_already_redacted_text_still_alerts():
    (f,) = detect("The admin password is [REDACTED:password].", 0.7)
    assert (f.kind, f.detector) == ("password", "redacted")
    assert redact("The admin password is [REDACTED:password].") == (
        "The admin password is [REDACTED:password]."
    )


def test_card_groups_written_with_commas_are_a_card():
    # ASR writes a card read out in groups as "4242, 4242, 4242, 4242"
    found = detect("Use 4242, 4242, 4242, 4242 for the test.")
    assert [f.kind for f in found] == ["card_number"]
    assert detect("We sold 1200, 3400, 5600, 7800 units") == []
