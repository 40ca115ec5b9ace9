"""Custom alert rules matched offline: phrases, regexes, keyword similarity."""

from copilot.intelligence.alerts import AlertRuleBook
from copilot.intelligence.rules import match_rule


def test_keyword_rules():
    rule = "Alert when someone mentions pricing or a discount"
    assert match_rule(rule, "Can we get a better price on the annual plan?").triggered
    assert match_rule(rule, "They asked for twenty percent off, a big discount.").triggered
    assert not match_rule(rule, "The release is stable and the crash rate is low.").triggered
    launch = "Detect a decision about the launch date"
    hit = match_rule(launch, "We have decided to launch the new version at the end of next month.")
    assert hit.triggered and 0.5 < hit.confidence <= 0.95
    assert not match_rule(launch, "The budget is slightly over this quarter.").triggered


def test_phrases_and_regexes():
    assert match_rule('Alert when someone says "legal hold"', "we are on legal hold now").triggered
    assert match_rule(r"Detect ticket ids /JIRA-\d+/", "see JIRA-1234 for details").triggered
    assert not match_rule('Alert on "legal hold"', "the legal team will hold a review").triggered


def test_rulebook_persists_and_toggles(tmp_path):
    book = AlertRuleBook(tmp_path / "rules.json")
    ev = book.create_event("Alert when someone mentions pricing", "pricing")
    alert = book.create_alert(ev, "idx-1", callback_url="http://127.0.0.1:9/hook")
    again = AlertRuleBook(tmp_path / "rules.json")
    assert [a.alert_id for a in again.list_alerts("idx-1")] == [alert]
    again.set_enabled(alert, False)
    assert again.active("idx-1") == []
    assert AlertRuleBook(tmp_path / "rules.json").list_alerts()[0].enabled is False
