"""Sensitive content by context: garbled digits read out after saying what they are, a reply
that answers a request for a PIN, talk about security that must not alert; one alert per
secret per utterance (revisions included) and per scene; hints say which secret."""

from __future__ import annotations

import pytest

from copilot.intelligence.secret_alerts import SecretAlerts
from copilot.intelligence.sensitive import redact


@pytest.mark.parametrize(
    ("text", "kind", "hint"),
    [
        ("Sure, my card number is 41, 41, 41, 41, 41, 41, 41, 42.", "card_number", "ending 4142"),
        ("it's account number zero one two, three four five, six seven eight", "account_number",
         "ending 5678"),
        ("the door code is to ate one nine for", "pin", "5 digits"),
        ("The admin pass word is blue falcon seven.", "password", "15 characters"),
        ("Use sk-proj-7Hq2ZxR4mT9vLp3WcN8bYd1K for the test account.", "api_key", "sk-proj-…Yd1K"),
    ],
)  # fmt: skip
def test_secret_read_out_is_flagged_with_a_hint(text, kind, hint):
    (alert,) = SecretAlerts().check("s", text, place="u1")
    assert (alert.kind, alert.hint) == (kind, hint)
    assert all(
        text[f.start : f.end] not in redact(text, list(alert.findings)) for f in alert.findings
    )


@pytest.mark.parametrize(
    "text",
    [
        "Please never read your password out on a call.",
        "Our PIN policy changes on Monday, twelve digits minimum.",
        "The card ending in 1009 was declined.",
        "The guest wifi password is on the card at reception.",
        "Revenue grew twelve percent to four point five million.",
        "Call me on 020 7946 0958 after four.",
    ],
)
def test_talk_about_security_does_not_alert(text):
    assert SecretAlerts().check("s", text, place="u1") == []


def test_a_number_answering_a_request_for_a_pin_is_that_pin():
    alerts = SecretAlerts()
    assert alerts.check("s", "What's the PIN for the shared mailbox?", "u1") == []
    (pin,) = alerts.check("s", "It's seven three nine one.", "u2")
    assert (pin.kind, pin.hint) == ("pin", "4 digits")
    assert alerts.check("s", "It's about twelve people.", "u3") == []


def test_one_alert_per_secret_per_place_and_per_session():
    alerts = SecretAlerts()
    assert len(alerts.check("s", "The admin pass word is blue falcon seven.", place="u1")) == 1
    assert alerts.check("s", "The admin password is BlueFalcon7.", place="u1") == []  # revision
    assert alerts.check("s", "again: the admin password is BlueFalcon7", place="u9") == []
    two = alerts.check("s", "Keys: AKIAIOSFODNN7EXAMPLE and AKIAJ7EXAMPLEKEY1234.", place="u2")
    assert [k.hint for k in two] == ["AKIA…MPLE", "AKIA…1234"]  # two keys, and which
    scene = "Settings  API key: AIzaSyD-4kL9mN2pQ7rS1tU6vW3xY8zA0bC5dEf"
    assert len(alerts.check("s", scene, place=("scene", "rts-1", 4.0))) == 1
    assert alerts.check("s", scene + " Saved", place=("scene", "rts-1", 4.0)) == []  # its end
    assert len(alerts.check("other", scene, place=("scene", "rts-2", 1.0))) == 1


def replies(*lines: str) -> list[list[str]]:
    """The alert kinds each line of a conversation raises, in order."""
    alerts = SecretAlerts()
    return [[a.kind for a in alerts.check("s", t, place=f"u{i}")] for i, t in enumerate(lines)]


def test_a_card_asked_for_is_flagged_when_read_out_without_saying_what_it_is():
    assert replies(
        "Could you swap the replacement card in for the subscription?",
        "Sure, whenever you're ready.",
        "Okay it's five four one two, seven five, three four, one two three four, five six seven.",
    ) == [[], [], ["card_number"]]
    assert replies(
        "And what are the expiry date and the three digits on the back?",
        "Eleven thirty, and then seven seven one.",
    ) == [[], ["card_number"]]


def test_one_time_codes_security_answers_and_spelled_passwords_in_context():
    assert replies(
        "I've texted a verification code to your mobile, what does it say?",
        "Yep it's two nine four, six six one.",
    ) == [[], ["pin"]]
    assert replies("What's the answer to your security question?", "It's Marmalade.") == [
        [],
        ["password"],
    ]
    assert replies("Choose a new password please.", "I set it to small q, W, E, R, T, Y, nine.")[
        1
    ] == ["password"]
    said = "For my memorable word, the answer is Pemberton."
    assert replies(said) == [["password"]]


def test_security_talk_and_plain_replies_in_context_do_not_alert():
    assert (
        replies(
            "What's the answer to your security question?",
            "It's right there in the form, I think.",
            "Our security questions are about to be replaced by passkeys.",
            "The card on file expires soon, I'll update it.",
            "Thanks, we'll talk about it on Monday with the other two.",
            "Can you text me the verification code policy?",
            "It's in the handbook, page twelve.",
        )
        == [[]] * 7
    )


ASKED_THEN_SAID = [
    ("Read me the code from the text message.", "Okay, seven one three, four four two.", "pin"),
    ("What's the combination for the bike lock?", "It's one nine eight four.", "pin"),
    ("I need the password for the staging box.", "Staging is Marmalade99.", "password"),
    (
        "Do you have the API token handy?",
        "Yeah, it's x o x b dash one two three four five six seven eight nine.",
        "api_key",
    ),
    ("What's the guest wifi here?", "It's purple otter sixty one, all lowercase.", "password"),
    ("Does anyone know the code for the supply cupboard?", "No, supply's four four one six.",
     "pin"),
    ("Have you got the code so I can let the cleaners in?", "Yes, it's six two oh eight.", "pin"),
    ("And your passport number, please?", "Sure, it's K five one, eight eight, two oh three.",
     "national_id"),
    ("What's the password for the office network?",
     "It's pelican with a capital P, then four four one, and a hash on the end.", "password"),
    ("Has anyone got the charity's IBAN?", "Yes, it's G B two nine, N W B K, six zero one six, "
     "one three three one, nine two six eight, one nine.", "iban"),
    ("Do we have the speaker's passport number?",
     "She sent it last week. It's four four, C D, one two three nine eight.", "national_id"),
    ("What's the code for the bike store?", "They changed it. Star, four one seven, hash.", "pin"),
    ("The new deploy tokens are out.",
     "Mine's here. It's g h p underscore seven K, m q, two R, x nine, L p, four t.", "api_key"),
    ("I'll need your social security number to file it.",
     "Okay, the whole thing is four one two, seven seven, nine zero three one.", "ssn"),
]  # fmt: skip
ASKED_NOT_SAID = [
    ("What's the password for the shared inbox?", "Same as last time."),
    ("Do you have the API token handy?", "Yeah, it's in the vault."),
    ("I need the password for the staging box.", "Staging is down again."),
    ("Which card should I use?", "The company one, ending in four four two one."),
    ("What's the guest wifi here?", "It's about twenty minutes before it drops."),
    ("What's the guest wifi here?", "It's on the card at reception."),
    ("Have you got the code so I can let the cleaners in?", "Yes, the meeting is at four thirty."),
    ("And your passport number, please?", "Sure, it's in my bag somewhere."),
    ("Did you see the code review?", "It's merged, four files changed."),
    (
        "What's the wifi like in the new office?",
        "It's fast, about three hundred megs on a good day.",
    ),
    ("What's the password policy now?", "It's twelve characters with a capital and a number."),
    ("Did the passport office call back?", "Yes, it's booked for the fourteenth at nine thirty."),
    (
        "What's the code for the storage room?",
        "No idea, ask facilities, extension four four one two.",
    ),
    ("Our IBAN changed last month.", "It's on the new letterhead, page two."),
    ("Which wifi do I join?", "It's office five G, the other one is slower."),
    ("What's the code for the conference?", "It's CONF twenty twenty seven, all caps."),
    ("Your PIN expires next week.", "Mine's the same as the old one for another seven days."),
]


@pytest.mark.parametrize(("asked", "reply", "kind"), ASKED_THEN_SAID)
def test_a_secret_given_in_reply_to_being_asked_for_is_flagged(asked, reply, kind):
    alerts = SecretAlerts()
    assert alerts.check("s", asked, place="q") == []
    (alert,) = alerts.check("s", reply, place="a")
    assert alert.kind == kind


@pytest.mark.parametrize(("asked", "reply"), ASKED_NOT_SAID)
def test_a_reply_without_the_secret_does_not_alert(asked, reply):
    alerts = SecretAlerts()
    assert alerts.check("s", asked, place="q") == [] and alerts.check("s", reply, "a") == []


def test_a_password_said_without_is_after_a_login():
    (alert,) = SecretAlerts().check("s", "Username editor, password Quill-2027.", place="u")
    assert alert.kind == "password"
    assert SecretAlerts().check("s", "Send me the password reset link.", place="u") == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("The freezer room code changed yesterday. It's two nine nine one, then enter.", "pin"),
        ("They need our passport numbers for the flights. Mine's four four one, nine oh two, "
         "seven seven three.", "national_id"),
        ("My passport number is C eight one, four four two, oh nine seven.", "national_id"),
        ("The key safe by the back door is four one one nine.", "pin"),
        ("Can you fix my passport number on the form? It's wrong. It's five one two, two two "
         "eight, six four three.", "national_id"),
        ("She paid with her card. Four five five six, seven three seven five, eight six eight "
         "nine, nine eight five five.", "card_number"),
        # spelled with no word for it, known by its prefix
        ("Paste this in, it's G H P underscore, capital B, nine, K, seven, seven, Q, capital W, "
         "two, two, X.", "api_key"),
        ("Reading the key file now. Begin open SSH private key. B three B l b n.", "private_key"),
        ("The wallet seed phrase is, um, maple, river, stone, copper, lamp, violet, orbit.",
         "private_key"),
        ("Pay the deposit to D E four four, five oh oh one, oh five two oh, five three two oh, "
         "one three oh oh, nine.", "iban"),
        ("Punch in four four one nine on the keypad by the side door.", "pin"),
        ("The shed combo is, uh, ate, one, one, six.", "pin"),
        ("Her social is, uh, oh four one, dash, seven eight, dash, two two oh nine.", "ssn"),
        ("My Aadhaar is, um, four two one eight, seven seven six three, oh nine one two.",
         "national_id"),
        ("Driving licence number is M O R G A, six, five, seven, oh, five, S, E, nine, nine.",
         "national_id"),
        ("The key for the staging app is S K dash proj dash, capital T, nine, M, B, X, for, for, "
         "capital R, seven.", "api_key"),
        # one digit misheard: the checksum fails, the cue and the shape still say IBAN
        ("Her IBAN is D E four four, five oh oh one, oh five two oh, five three two oh, one "
         "three oh oh, nine.", "iban"),
        # letters the recogniser wrote as words ("queue", "ex")
        ("The service key is A K I A, two queue, seven ex R T, four M nine P, L V zero E.",
         "api_key"),
    ],
)  # fmt: skip
def test_a_secret_named_then_given_or_spelled_with_misheard_parts_is_flagged(text, kind):
    (alert,) = SecretAlerts().check("s", text, place="u")
    assert alert.kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "The freezer room code changed yesterday. It's taped inside the door.",
        "Passports are needed for the trip. It's a two hour drive to the airport.",
        "Bring your passport. The flight is at nine fifteen.",
        "The IBAN field is optional, it's only for transfers abroad.",
        "My passport expires twenty thirty one, so I'm fine for the trip.",
        "The key safe is broken again. It's been like that for two weeks.",
        "She left her card at reception. It's the blue one with four stripes.",
        "We need the card details. It's for the conference, about four hundred pounds.",
        "The PIN pad is sticky. The code's fine, it's the number four key that sticks.",
        "My social security office appointment is at three. It's room four one two.",
        "The private key policy says nobody reads keys aloud. Begin with the agenda instead.",
        "Punch in your own code on the keypad, I won't read mine out.",
        "The social team meets at four, room two one two.",
        "We flew BA two nine one to Lisbon, gate B twelve.",
    ],
)
def test_naming_a_secret_without_giving_it_does_not_alert(text):
    assert SecretAlerts().check("s", text, place="u") == []


@pytest.mark.parametrize(
    ("asked", "reply"),
    [
        # the value handed over as what to type, or read off a screen
        ("What's the wifi password here?", "Try, um, harbour lights forty two."),
        ("I can't get into the test box.", "Use bluefish ninety one, all lower case."),
        ("Which password do I put in?", "Type in Copper, dash, Kettle, dash, eight."),
        ("What does the sticky note say for the password?", "It says Lantern seventy seven."),
    ],
)  # fmt: skip
def test_a_password_handed_over_as_what_to_type_is_flagged(asked, reply):
    alerts = SecretAlerts()
    assert alerts.check("s", asked, place="u1") == []
    (alert,) = alerts.check("s", reply, place="u2")
    assert alert.kind == "password"


@pytest.mark.parametrize(
    "text",
    [
        # the value straight after naming it, in the same sentence
        "I set the admin password to copper, dash, falcon, dash, nine.",
        "Router login, harbour, nine, nine, all lower case.",
        "The guest wifi is sunny garden twenty six.",
        "I was locked out of the portal. It's Maple, dash, forty, upper case M.",
    ],
)
def test_a_password_given_where_it_is_named_is_flagged(text):
    (alert,) = SecretAlerts().check("s", text, place="u")
    assert alert.kind == "password"


@pytest.mark.parametrize(
    "text",
    [
        # talk about passwords, policies and logins: no value is given
        "The admin password is with IT, ask them.",
        "The new password must have twelve characters and a symbol.",
        "Your password needs an upper case letter and a number.",
        "The VPN password expires every ninety days.",
        "I can't get into the portal since Monday, can someone reset me?",
        "Try turning it off and on again.",
        "Use the shared drive for the slides, folder two.",
        "The router login page is at the usual address.",
        "The guest wifi is down again on floor three.",
        "I was locked out of my account twice this week.",
        "Type in your own password, I won't see it.",
        "It says the password requires a capital letter.",
    ],
)
def test_password_policies_and_login_trouble_do_not_alert(text):
    assert SecretAlerts().check("s", text, place="u") == []


@pytest.mark.parametrize(
    ("turns", "kind"),
    [
        # described by its parts with no word for it
        (["Should be river fox seven. So capital R, lower case f, then seven, hash."], "password"),
        (["The new one starts with kestrel, upper case K. Then it's four four two and an at sign "
          "at the end."], "password"),
        # keyed in, described as a password
        (["Type in purple monkey dishwasher lamp, all one word, no spaces."], "password"),
        (["When it asks, enter october, two, one, star, star."], "password"),
        # a reply that is described, with no "it's"
        (["What's the wifi in the studio?", "Meadow forty one, all lowercase, no spaces."],
         "password"),
        # a reply that is only the value asked for
        (["What's the licence number on the form?",
          "K, three, oh, nine, dash, four, four, one, two, dash, seven, seven, eight, one."],
         "national_id"),
    ],
)  # fmt: skip
def test_a_password_or_id_given_by_its_shape_alone_is_flagged(turns, kind):
    alerts = SecretAlerts()
    for i, text in enumerate(turns[:-1]):
        assert alerts.check("s", text, place=i) == []
    (alert,) = alerts.check("s", turns[-1], place="last")
    assert alert.kind == kind


@pytest.mark.parametrize(
    "turns",
    [
        ["Passwords need a capital, a number and a hash, and at least twelve characters."],
        ["We gave her a star rating of four and an exclamation mark in the review."],
        ["Put an at sign before the name and a hash before the channel, two people."],
        ["Enter it twice, no spaces."],
        ["Put in expenses by Friday, no spaces in the codes please."],
        ["Type in project names, all lower case, in the tracker."],
        ["Key in the amount, then hash to confirm, four times."],
        ["What's the wifi password?", "Not sure, it's all lowercase I think, ask Sam."],
        ["What's the wifi password?", "It's on the fridge, all one word."],
        ["What's the licence number on the form?", "Two of them, I think, ask Sam."],
    ],
)
def test_rules_and_symbols_in_ordinary_talk_do_not_alert(turns):
    alerts = SecretAlerts()
    assert all(alerts.check("s", t, place=i) == [] for i, t in enumerate(turns))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # a pause inside the number, digits written as the word heard, what the code opens
        ("the side gate alarm got reset, new code is one nine uh for for six", "pin"),
        ("the driver gave their passport number for ID, it's five three uh four four ate one oh "
         "nine two", "national_id"),
    ],
)  # fmt: skip
def test_a_number_with_a_pause_or_a_misheard_digit_is_still_read_out(text, kind):
    (alert,) = SecretAlerts().check("s", text, place="u")
    assert alert.kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "the gate has a new code of conduct sign, two of them",
        "the door code is changing next week, four people know it",
        "we ate one of the sandwiches and four of the cakes",
    ],
)
def test_codes_talked_about_and_eating_are_not_numbers_read_out(text):
    assert SecretAlerts().check("s", text, place="u") == []
