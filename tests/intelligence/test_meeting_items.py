"""A meeting's action items as the plugin sees them: the user's own commitments, requests
to named people, confirmations that update the request they answer, and transcript
revisions that replace the earlier text (update or withdraw, never a duplicate)."""

from __future__ import annotations

from datetime import date

from builtin_plugins.action_items import offline_extract
from copilot.intelligence.live import MeetingItems
from copilot.intelligence.meeting import MeetingInfo

DAY = date(2027, 1, 13)  # a Wednesday


def meeting(user="Sam", people=("Sam", "Ines", "Oskar")) -> MeetingItems:
    return MeetingItems(MeetingInfo(list(people), user, DAY), "s1")


def hear(m: MeetingItems, speaker, text, uid=None, revision=0):
    return m.hear(text, speaker, offline_extract, utterance_id=uid, revision=revision)


def test_own_commitment_on_the_mic_is_owned_by_the_user():
    m = meeting()
    (item,) = hear(m, "me", "I'll reach out to the agency about the banner sizes.")
    assert (item.owner, item.status, item.revision) == ("Sam", "open", 0)
    (nameless,) = hear(meeting(user=None, people=("Ines", "Oskar")), "me", "I'll call the bank.")
    assert nameless.owner == "me"


def test_confirmation_updates_the_request_instead_of_adding_one():
    m = meeting()
    (asked,) = hear(m, "Oskar", "Ines, could you put together the churn numbers by Friday?")
    assert (asked.owner, asked.due) == ("Ines", date(2027, 1, 15))
    (reply,) = hear(m, "Ines", "Sure, I will have the churn numbers ready by Thursday.")
    assert reply.item_id == asked.item_id and reply.revision == 1
    assert reply.text == asked.text  # the request names it
    assert (reply.status, reply.due) == ("confirmed", date(2027, 1, 14))
    assert hear(m, "Ines", "Yes, churn numbers by Thursday, will do.") == []  # nothing new
    assert len(m.tracker.live()) == 1


def test_bare_acceptance_confirms_the_latest_request_to_the_speaker():
    m = meeting()
    (asked,) = hear(m, "me", "Oskar, can you book the room for the retro?")
    (ok,) = hear(m, "Oskar", "Will do.")
    assert (ok.item_id, ok.status, ok.owner) == (asked.item_id, "confirmed", "Oskar")
    assert hear(m, "Ines", "No problem.") == []  # not asked of Ines: confirms nothing


def test_small_talk_past_work_and_secret_only_lines_raise_nothing():
    m = meeting()
    for line in (
        "Morning all, can everyone hear me?",
        "Did you already send the invoice last week?",
        "If we had the budget we would hire two more people.",
        "My card number is 4111 1111 1111 1111.",
    ):
        assert hear(m, "Ines", line) == [], line


def test_a_revision_updates_or_withdraws_what_the_earlier_text_raised():
    m = meeting()
    (first,) = hear(m, "me", "I'll send them the proposal with the new tears", uid="u1")
    (better,) = hear(m, "me", "I'll send them the proposal with the new tiers by Friday.", "u1", 1)
    assert better.item_id == first.item_id and better.due == date(2027, 1, 15)
    assert "tiers" in better.text and better.revision == 1
    assert hear(m, "me", "I'll send them the proposal with the new tears", "u1", 0) == []
    (room,) = hear(m, "me", "I'll book the room for it", uid="u2")
    (gone,) = hear(m, "me", "I booked the room for it already.", uid="u2", revision=1)
    assert (gone.item_id, gone.status) == (room.item_id, "withdrawn")
    assert [i.item_id for i in m.tracker.live()] == [first.item_id]


def test_a_request_heard_after_its_reply_joins_it():
    """Channels are transcribed in parallel: the reply on the mic can arrive first."""
    m = meeting(people=("Sam", "Ines"))
    (reply,) = hear(m, "me", "Sure, I will have the revised forecast ready by Friday.")
    (joined,) = hear(m, "them", "Sam, could you send me the revised forecast by Friday?")
    assert joined.item_id == reply.item_id and joined.status == "confirmed"
    assert joined.text == "send me the revised forecast" and len(m.tracker.live()) == 1
    (other,) = hear(m, "them", "Sam, could you also send me the travel budget?")
    assert other.item_id != reply.item_id  # same owner, another task


def test_whoever_takes_on_an_open_call_owns_it():
    m = meeting()
    (asked,) = hear(m, "Oskar", "Would someone mind proofreading the grant application today?")
    assert asked.owner is None or asked.owner != "Ines"
    (taken,) = hear(m, "Ines", "I'll take it after lunch.")
    assert (taken.item_id, taken.owner, taken.status) == (asked.item_id, "Ines", "confirmed")
    assert len(m.tracker.live()) == 1  # "take it" is not a second item


def test_an_offer_restated_with_a_date_is_the_same_item():
    m = meeting()
    (offer,) = hear(m, "Ines", "Oskar, would it help if I set up a test account for your team?")
    assert offer.owner == "Ines" and "test account" in offer.text
    hear(m, "Oskar", "Yes please, that would be great.")
    (again,) = hear(m, "Ines", "Okay, I can have it ready by Friday.")
    assert (again.item_id, again.due) == (offer.item_id, date(2027, 1, 15))
    assert len(m.tracker.live()) == 1


def test_a_pronoun_names_what_the_utterance_before_named():
    m = meeting()
    assert hear(m, "me", "By the way, the supplier onboarding checklist is out of date.") == []
    (item,) = hear(m, "me", "Oskar, mind giving it a refresh before Friday?")
    assert item.owner == "Oskar" and "supplier onboarding checklist" in item.text


def test_polite_conditional_requests_and_conditions_before_a_commitment():
    (asked,) = hear(
        meeting(), "Oskar", "Ines, if you could send me the deck by Friday, that'd be great."
    )
    assert (asked.text, asked.owner, asked.due) == ("send me the deck", "Ines", date(2027, 1, 15))
    (later,) = hear(meeting(), "Ines", "Once the contract is signed, I'll send the invoice.")
    assert (later.text, later.owner) == ("send the invoice", "Ines")
    assert hear(meeting(), "Ines", "Today I'm still on the flaky integration tests.") == []


def test_a_preposition_pronoun_names_what_was_just_said_and_asides_leave_the_task():
    m = meeting()
    (item,) = hear(
        m, "Oskar", "The vendor contract still isn't signed. Ines, can you chase legal on that?"
    )
    assert (item.text, item.owner) == ("chase legal on the vendor contract", "Ines")
    (aside,) = hear(
        m, "me", "I'll book the venue so everyone has time to plan, I did it last year."
    )
    assert aside.text == "book the venue"
    (later,) = hear(m, "Ines", "Oskar, can you send me the slides by the end of next week?")
    assert (later.text, later.due) == ("send me the slides", date(2027, 1, 22))


def test_a_delivery_date_said_after_taking_a_task_on_updates_it():
    m = meeting()
    hear(m, "Oskar", "Who can put the onboarding guide together?")
    (took,) = hear(m, "Ines", "Me, I'll put it together.")
    (restated,) = hear(m, "Ines", "I can have a first draft over to you by Friday.")
    assert restated.item_id == took.item_id and restated.due == date(2027, 1, 15)
    assert len(m.tracker.live()) == 1


def test_a_request_that_only_points_back_dates_the_last_task_and_is_nothing_alone():
    m = meeting()
    (mine,) = hear(m, "me", "I'll redo the risk assessment for the warehouse within two days.")
    (moved,) = hear(m, "Oskar", "Actually, can you get that done by tomorrow?")
    assert moved.item_id == mine.item_id and moved.due == date(2027, 1, 14)
    assert moved.text == mine.text and len(m.tracker.live()) == 1
    assert hear(meeting(), "Oskar", "Can you get that done by tomorrow?") == []


def test_an_open_call_is_owned_and_named_by_whoever_takes_it_on():
    m = meeting(user=None, people=("Ezra", "Tom", "Lina"))
    (call,) = hear(m, "Ezra", "Who is going to talk to the auditors?")
    assert (call.text, call.owner) == ("talk to the auditors", None)
    (taken,) = hear(m, "Tom", "That's me, I'll call them on Monday.")
    assert taken.item_id == call.item_id
    assert (taken.owner, taken.status, taken.text) == ("Tom", "confirmed", "call the auditors")
    (deck,) = hear(m, "Lina", "Who's doing the launch deck for the regional teams?")
    (mine,) = hear(m, "Ezra", "Me, I'll take it.")
    assert mine.item_id == deck.item_id and mine.owner == "Ezra"
    assert "launch deck" in mine.text
    assert hear(m, "Tom", "Who would have thought it would rain?") == []


def test_what_someone_will_need_is_not_a_task_and_that_key_is_not_a_pronoun():
    m = meeting()
    assert hear(m, "Oskar", "I'll need the receipts and the signed form.") == []
    (key,) = hear(m, "me", "Let me rotate that key myself after this call.")
    assert key.text.startswith("rotate that key")


def test_it_names_the_object_said_before_and_i_can_do_it_takes_the_task_over():
    m = meeting()
    (mine,) = hear(m, "me", "The printer wants the final proof. I'll send it before Friday.")
    assert mine.text == "send the final proof" and mine.owner == "Sam"
    (over,) = hear(m, "Ines", "Actually, I can do it right now, I have the file open.")
    assert over.item_id == mine.item_id and over.owner == "Ines"
    assert len(m.tracker.live()) == 1


def test_cut_off_tasks_raise_nothing_and_myself_leaves_the_task():
    m = meeting()
    assert hear(m, "Oskar", "I'll push the overheating results to") == []
    (mine,) = hear(m, "me", "I'll do the hours check myself while I'm building the rota.")
    assert mine.text == "do the hours check"


def test_while_says_when_and_is_never_a_second_task():
    m = meeting()
    (asked,) = hear(m, "Oskar", "Ines, could you do the loop test while you're there on Monday?")
    assert (asked.text, asked.owner, asked.due) == ("do the loop test", "Ines", date(2027, 1, 18))
    assert len(m.tracker.live()) == 1


def test_a_volunteer_takes_on_an_open_call_and_the_follow_up_only_dates_it():
    m = meeting()
    (call,) = hear(m, "Ines", "Someone should probably ring the caterers to check they're coming.")
    assert (call.owner, call.text) == (None, "ring the caterers to check they're coming")
    (taken,) = hear(m, "me", "I'm happy to do that, I've got their number. I'll give her a call "
                    "tomorrow.")  # fmt: skip
    assert (taken.item_id, taken.owner, taken.status) == (call.item_id, "Sam", "confirmed")
    assert taken.due == date(2027, 1, 14)
    assert len(m.tracker.live()) == 1


def test_a_take_on_dated_in_a_second_clause_keeps_that_date():
    m = meeting()
    (call,) = hear(m, "Ines", "Someone also needs to tell the printer we're going ahead.")
    (taken,) = hear(m, "Oskar", "Let me take that, I'm seeing them on Friday.")
    assert (taken.item_id, taken.owner, taken.due) == (call.item_id, "Oskar", date(2027, 1, 15))


def test_a_request_asked_as_would_you_mind_names_the_task_in_its_base_form():
    (asked,) = hear(meeting(), "Ines", "Oskar, would you mind sending the minutes round today?")
    assert (asked.text, asked.owner) == ("send the minutes round", "Oskar")


def test_someone_taking_over_a_task_owns_it():
    m = meeting()
    (asked,) = hear(m, "Ines", "Oskar, could you chase the printer about the proofs?")
    (taken,) = hear(m, "me", "I'll take the proofs off Oskar's plate, he's busy enough.")
    assert (taken.item_id, taken.owner) == (asked.item_id, "Sam")


def test_a_name_said_without_a_comma_before_the_ask_is_who_is_asked():
    m = meeting(people=("Sam", "Ines", "Oskar", "Sun-hee"))
    (a,) = hear(m, "Ines", "Oskar could I ask you to pull the invoices from March tomorrow")
    assert (a.text, a.owner, a.due) == ("pull the invoices from March", "Oskar", date(2027, 1, 14))
    (b,) = hear(m, "Ines", "and Sun-hee can you update the audit sheet, it's due next week")
    assert (b.text, b.owner) == ("update the audit sheet", "Sun-hee")


def test_that_ones_mine_claims_the_open_call_and_says_nothing_when_there_is_none():
    m = meeting()
    (call,) = hear(m, "Ines", "the discharge letter for bed four, somebody needs to draft it")
    (mine,) = hear(m, "Oskar", "that one's mine, I admitted him")
    assert (mine.item_id, mine.owner, mine.status) == (call.item_id, "Oskar", "confirmed")
    assert hear(meeting(), "Oskar", "that one's mine") == []


def test_a_take_over_named_by_its_topic_takes_that_task_not_the_latest():
    m = meeting()
    (first,) = hear(m, "me", "I'll chase the physio referral for bed six.")
    (second,) = hear(m, "me", "I'll ring the agency about Friday cover.")
    (taken,) = hear(m, "Oskar", "oh on the physio referral, I can take that off you")
    assert (taken.item_id, taken.owner) == (first.item_id, "Oskar")
    assert m.tracker.items[second.item_id].owner == "Sam"


def test_a_take_on_that_says_what_is_that_task():
    m = meeting()
    (item,) = hear(m, "Oskar", "I'm happy to take that, I'll file the amendment in the binder "
                   "tomorrow")  # fmt: skip
    assert (item.text, item.owner) == ("file the amendment in the binder", "Oskar")


def test_a_task_pointing_at_a_topic_said_first_is_named_by_it():
    m = meeting()
    (call,) = hear(m, "Ines", "the front of house volunteer rota, somebody needs to own that")
    assert call.text == "own the front of house volunteer rota"
    (told,) = hear(m, "Ines", "the licence invoice from the rights company has to be paid by "
                   "Friday, Oskar's going to sort that")  # fmt: skip
    assert (told.text, told.owner) == ("sort the licence invoice from the rights company", "Oskar")


def test_taking_over_a_task_by_its_name_takes_that_one():
    m = meeting()
    (mine,) = hear(m, "Ines", "I'll look into the fraud flag on the Hendry claim.")
    hear(m, "Ines", "Oskar could I ask you to sign off the three refund cases")
    (taken,) = hear(m, "Oskar", "yeah fine, I'll take Hendry off your hands Ines")
    assert (taken.item_id, taken.owner) == (mine.item_id, "Oskar")


def test_promising_the_outcome_of_ones_own_task_dates_it():
    m = meeting()
    (mine,) = hear(m, "Ines", "let me dig into the supplier invoices")
    (dated,) = hear(m, "Ines", "I'll have a view by Friday")
    assert (dated.item_id, dated.due) == (mine.item_id, date(2027, 1, 15))
    assert len(m.tracker.live()) == 1


def test_names_written_in_lower_case_by_the_recogniser_are_still_names():
    m = meeting()
    (asked,) = hear(m, "Ines", "oskar could you send the rota round by friday")
    assert (asked.owner, asked.text, asked.due) == (
        "Oskar",
        "send the rota round",
        date(2027, 1, 15),
    )
    (mine,) = hear(meeting(people=("Sam", "Will")), "Sam", "I will book the van tomorrow")
    assert mine.text == "book the van"  # "will" is a word here, not Will


def test_a_sentence_starting_in_lower_case_is_still_a_sentence():
    m = meeting()
    items = hear(m, "Ines", "great. oskar could you pull the invoices tomorrow? and ask dr. patel "
                 "to sign.")  # fmt: skip
    assert [(i.text, i.owner) for i in items][:1] == [("pull the invoices", "Oskar")]


def test_asks_run_on_after_commas_are_heard_as_their_own_sentences():
    said = "the room is sorted, oskar could you send the agenda round tomorrow, ines could you "
    items = hear(meeting(), "Sam", said + "order the lunch by friday")
    assert [(i.text, i.owner, i.due) for i in items] == [
        ("send the agenda round", "Oskar", date(2027, 1, 14)),
        ("order the lunch", "Ines", date(2027, 1, 15)),
    ]
    (mine, theirs) = hear(meeting(), "Sam", "I'll sort the venue this week, oskar can you send "
                          "the invites by friday")  # fmt: skip
    assert (mine.text, theirs.text, theirs.owner) == ("sort the venue", "send the invites", "Oskar")


def test_hesitations_kept_by_the_recogniser_say_nothing():
    m = meeting()
    (asked,) = hear(m, "Ines", "Oskar, could you um, send the deck to the uh, client by Friday?")
    assert (asked.text, asked.owner, asked.due) == (
        "send the deck to the client", "Oskar", date(2027, 1, 15)
    )  # fmt: skip
