"""A labelled synthetic meeting corpus for bench/search.py: topics, queries and filler.

Each topic has 14 realistic utterances and paraphrased queries that avoid the utterances'
key words, so the semantic side has to do the work; the filler is meeting small talk and
logistics (the distractors every real transcript is full of), generated combinatorially so
100k segments stay distinct. Exact-match queries (numbers, names, ticket ids) check the
keyword side.
"""

from __future__ import annotations

import random

TOPICS: dict[str, dict[str, list[str]]] = {
    "budget": {
        "topic": ["budget and spending"],
        "queries": ["what did we say about money", "how much are we allowed to spend"],
        "segments": [
            "We need to cut the team budget by ten percent next quarter.",
            "Finance approved 1.2 million for the platform rewrite.",
            "Our cloud spend went over the forecast by about forty thousand dollars.",
            "Can we get the revised cost estimate to the CFO by Friday?",
            "The budget for contractors is frozen until the end of the fiscal year.",
            "If we overspend again, the board will ask for a full expense review.",
            "We should move some of the travel allowance into the tooling line item.",
            "The quarterly financial report shows we are under budget on hardware.",
            "Procurement wants three quotes before they sign off on any purchase over ten grand.",
            "Headcount costs are the biggest part of our operating expenses this year.",
            "Let's trim the conference sponsorship, it costs more than it brings in.",
            "The invoice from the consultancy was twice what we had planned for.",
            "We have roughly two hundred thousand left in the discretionary fund.",
            "Accounting flagged that our software licence renewals blew past the estimate.",
        ],
    },
    "hiring": {
        "topic": ["hiring candidates and interviews"],
        "queries": ["are we bringing new people onto the team", "status of open job positions"],
        "segments": [
            "We have three open roles for backend engineers and one for a designer.",
            "The recruiter sent over five candidates for the data scientist position.",
            "I interviewed a strong candidate yesterday, I'd like to make an offer.",
            "Can someone else run the system design interview on Thursday?",
            "We should post the job description on a couple more boards.",
            "The new hire starts on Monday, her laptop still hasn't been ordered.",
            "Our time to hire is now around six weeks, which is too slow.",
            "Let's do a take-home exercise instead of whiteboard coding for applicants.",
            "Two candidates declined our offer because the salary band was too low.",
            "The hiring committee meets on Wednesdays to review the pipeline.",
            "I'd like a referral bonus for employees who bring in engineers.",
            "We need to backfill the role after Tom leaves at the end of the month.",
            "The phone screens went well, three applicants move to the onsite round.",
            "HR wants the headcount plan for recruiting finalised this week.",
        ],
    },
    "release": {
        "topic": ["release date of the next version"],
        "queries": ["when does the new version ship", "launch timeline for the product"],
        "segments": [
            "The 3.0 release is scheduled for the fourteenth of next month.",
            "We are slipping the launch by a week because QA found blockers.",
            "Feature freeze is on Friday, after that only bug fixes go in.",
            "The release candidate build goes out to beta testers tomorrow.",
            "The docs team needs the final go-live date to plan their work.",
            "We'll roll out gradually, ten percent of users first, then everyone.",
            "Can we cut the export feature from this release to hit the date?",
            "The app store review usually takes two days, so submit early.",
            "Release notes need to be written and translated before we ship.",
            "The deployment window is Tuesday night when traffic is lowest.",
            "We promised the customer the new version would be out before Christmas.",
            "Let's do a go or no-go call the morning of the rollout.",
            "The changelog is missing the performance improvements from last sprint.",
            "Version 2.9 was the last one that supports the old API.",
        ],
    },
    "customers": {
        "topic": ["customer complaints and escalations"],
        "queries": ["unhappy clients", "people complaining about our service"],
        "segments": [
            "Acme Corp escalated again, they're threatening to cancel their contract.",
            "Support tickets about slow page loads doubled this week.",
            "A customer called the CEO directly to complain about the billing error.",
            "Our satisfaction score dropped to seventy two after the redesign.",
            "Three enterprise accounts reported that exports are timing out.",
            "The angry email from the client was forwarded to the whole team.",
            "We should offer a service credit to the accounts that complained.",
            "The churn rate went up among small business users last month.",
            "Several users left one-star reviews saying the app keeps crashing.",
            "The account manager says the customer feels ignored by our support team.",
            "Refund requests are piling up because of the duplicate charges.",
            "Let's schedule a call with Globex to apologise and walk through the fix.",
            "The support queue has forty unresolved complaints older than a week.",
            "Customers are frustrated that the mobile app logs them out every day.",
        ],
    },
    "security": {
        "topic": ["security threats and vulnerabilities"],
        "queries": ["was there a hack", "protecting against attackers"],
        "segments": [
            "We detected a phishing campaign targeting our finance staff.",
            "Someone tried to brute-force the admin login from a foreign IP range.",
            "All employees must enable two-factor authentication by the end of the week.",
            "The penetration test found an SQL injection in the search endpoint.",
            "We rotated every API key after the leaked credentials were found on GitHub.",
            "The vulnerability scanner flagged an outdated OpenSSL version on three hosts.",
            "Please don't share passwords over chat, use the password manager.",
            "Our incident response plan says we notify customers within seventy-two hours.",
            "The malware was isolated on one laptop before it could spread.",
            "We need a security review before any new third-party integration goes live.",
            "Encrypt the backups at rest, the auditors will check that.",
            "The firewall rules were too permissive on the staging network.",
            "A contractor's account still had access months after the contract ended.",
            "We should run a breach simulation exercise next quarter.",
        ],
    },
    "office": {
        "topic": ["office relocation"],
        "queries": ["moving to a new building", "where will we work next year"],
        "segments": [
            "The lease on our current office ends in June, so we have to relocate.",
            "The new space downtown has room for two hundred desks.",
            "Movers are booked for the last weekend of the month.",
            "Everyone needs to pack their desk into labelled boxes by Thursday.",
            "The new floor plan has more meeting rooms and a bigger kitchen.",
            "Parking at the new location costs extra, facilities is negotiating a discount.",
            "Internet in the new building won't be installed until the week after we move.",
            "We're giving up the second floor and consolidating into one level.",
            "Some people asked whether the relocation means a longer commute.",
            "Facilities wants input on furniture for the new open-plan area.",
            "The key cards for the new premises will be handed out on Monday.",
            "We could sublet part of the old office until the lease runs out.",
            "The new site is closer to the train station, which should help.",
            "Let's plan a small housewarming party once we've settled into the new place.",
        ],
    },
    "outage": {
        "topic": ["server outage and downtime"],
        "queries": ["why did the servers go down", "the incident that took the site offline"],
        "segments": [
            "The database ran out of connections at two a.m. and the API started failing.",
            "Last night's outage lasted forty minutes and hit every region.",
            "The root cause was a config change that disabled the load balancer health checks.",
            "Disk filled up on the primary node because log rotation was broken.",
            "We need a postmortem for Saturday's downtime by Wednesday.",
            "The on-call engineer was paged twelve times during the incident.",
            "Failover to the replica didn't work because it was three hours behind.",
            "A bad deploy brought down the payment service for about fifteen minutes.",
            "Our uptime for the month is now below the ninety-nine point nine percent target.",
            "The cache cluster crashed and all the traffic hit the database at once.",
            "We should add an alert when memory usage climbs above eighty percent.",
            "DNS misconfiguration made the website unreachable for some users.",
            "The status page wasn't updated until an hour into the incident.",
            "Let's rehearse the disaster recovery runbook so failover works next time.",
        ],
    },
    "marketing": {
        "topic": ["marketing campaign"],
        "queries": ["advertising plans", "how are we promoting ourselves"],
        "segments": [
            "The spring campaign will run on social media and podcasts.",
            "Our ad click-through rate on search is well below the industry average.",
            "The agency proposed a new brand video for the homepage.",
            "We should sponsor a booth at the developer conference in October.",
            "The newsletter open rate improved after we changed the subject lines.",
            "Influencer partnerships brought in a lot of sign-ups last quarter.",
            "The landing page for the webinar needs a clearer call to action.",
            "Let's A/B test two versions of the banner before the campaign goes live.",
            "Paid acquisition costs went up, so we're shifting to content marketing.",
            "The press release about the partnership goes out next Tuesday.",
            "We need fresh case studies for the sales and marketing website.",
            "The billboard near the airport generated surprisingly many leads.",
            "SEO work on the blog doubled our organic traffic.",
            "The promotional email should go to the whole mailing list.",
        ],
    },
    "timeoff": {
        "topic": ["vacation and time off"],
        "queries": ["who is taking leave", "staff away on holiday"],
        "segments": [
            "I'll be on vacation the first two weeks of August.",
            "Maria is on parental leave until March.",
            "Please put your holidays in the shared calendar so we can plan coverage.",
            "I'm taking Friday off for a family wedding.",
            "Half the team is out between Christmas and New Year.",
            "Who covers on-call while Raj is away on his honeymoon?",
            "I have ten unused vacation days that expire at the end of the year.",
            "The office is closed on the public holiday next Monday.",
            "Sam called in sick today, so the demo moves to tomorrow.",
            "I'd like to take a sabbatical for three months next spring.",
            "Let's make sure not everyone books their summer break at the same time.",
            "Tom is out of office until Wednesday with limited access to email.",
            "Remember to submit leave requests at least two weeks in advance.",
            "I'll be trekking in Nepal in October, completely offline for ten days.",
        ],
    },
    "reviews": {
        "topic": ["performance reviews and promotions"],
        "queries": ["feedback and evaluations for employees", "who gets promoted"],
        "segments": [
            "Performance reviews are due to HR by the end of the month.",
            "I think Lena is ready to be promoted to senior engineer.",
            "Self-assessments should list your three biggest accomplishments this year.",
            "Calibration meetings for managers are next week.",
            "We should give more frequent feedback instead of one annual review.",
            "Two people on the team are on a performance improvement plan.",
            "The promotion committee wants concrete examples of impact.",
            "Peer reviews this cycle will be anonymous.",
            "Ratings will determine the size of everyone's bonus.",
            "My one-on-ones with direct reports keep getting cancelled.",
            "Let's set clearer goals for the next review period.",
            "The career ladder document explains what's expected at each level.",
            "Raj got glowing feedback from the other teams he works with.",
            "Managers need training on how to write useful written evaluations.",
        ],
    },
    "legal": {
        "topic": ["contract negotiation with lawyers"],
        "queries": ["the agreement with the vendor", "what the lawyers said about the deal"],
        "segments": [
            "Legal is still redlining the master services agreement with Initech.",
            "The contract has an auto-renewal clause we need to remove.",
            "Their lawyers want unlimited liability, which we can't accept.",
            "The NDA must be signed before we share the technical roadmap.",
            "We need a data processing addendum to comply with GDPR.",
            "The indemnification section is the last open point in the negotiation.",
            "The supplier agreed to a ninety-day termination notice.",
            "Counsel says the non-compete clause isn't enforceable in California.",
            "Can we get the signed copy of the licensing terms into the shared drive?",
            "The partner is asking for exclusivity in the European market.",
            "Our attorney flagged a problem with the intellectual property assignment.",
            "The renewal terms raise the price by eight percent every year.",
            "Procurement wants the standard payment terms of net sixty in the contract.",
            "We're waiting on their legal team to countersign the amendment.",
        ],
    },
    "research": {
        "topic": ["user research and usability testing"],
        "queries": ["what did users think in the interviews", "findings from usability sessions"],
        "segments": [
            "In the usability test, four out of six participants couldn't find settings.",
            "Users told us the onboarding flow felt too long.",
            "The interview notes show people mostly use the app on their phones.",
            "Participants loved the new dashboard but found the charts confusing.",
            "We recruited twelve people for the diary study next month.",
            "Several testers expected the search bar at the top of the page.",
            "The survey results say navigation is the biggest pain point.",
            "One participant said she would pay more for offline mode.",
            "Card sorting suggests we should merge the reports and analytics tabs.",
            "Eye-tracking showed nobody noticed the upgrade button.",
            "Let's watch the session recordings together on Thursday.",
            "The persona for small agencies needs updating based on the interviews.",
            "Most respondents want keyboard shortcuts for power users.",
            "The prototype test found the checkout flow confusing for first-time buyers.",
        ],
    },
}

#: Exact-match queries: (query, index into TOPICS[topic]["segments"]).
EXACT_QUERIES: list[tuple[str, str, int]] = [
    ("1.2 million", "budget", 1),
    ("Initech", "legal", 0),
    ("Acme Corp", "customers", 0),
    ("OpenSSL", "security", 5),
    ("Globex", "customers", 11),
    ("3.0 release", "release", 0),
    ("Version 2.9", "release", 13),
    ("Nepal", "timeoff", 13),
]

_OPENERS = [
    "",
    "So, ",
    "Okay, ",
    "Right, ",
    "Honestly, ",
    "Yeah, ",
    "Sorry, ",
    "Well, ",
    "Um, ",
    "Actually, ",
    "Anyway, ",
    "Alright, ",
]
_CORES = [
    "can everyone hear me okay",
    "you're on mute",
    "I think my camera froze",
    "let me share my screen",
    "can you see my screen now",
    "the audio is cutting out a bit",
    "I'll drop the link in the chat",
    "sorry, I was talking on mute",
    "let's give people a minute to join",
    "I have a hard stop at the top of the hour",
    "can we take this offline",
    "let's park that for now",
    "I'll send the notes afterwards",
    "who's taking notes today",
    "good morning everyone",
    "thanks for joining",
    "let's go around the room",
    "did everyone get the calendar invite",
    "the weather has been terrible this week",
    "how was your weekend",
    "I just got back from lunch",
    "traffic was awful this morning",
    "my kids are home sick today",
    "the coffee machine is broken again",
    "did you watch the game last night",
    "I'm running five minutes late",
    "we're almost out of time",
    "let's wrap up here",
    "any other business",
    "I'll follow up by email",
    "can you repeat the question",
    "I lost you for a second",
    "my internet is a bit unstable",
    "I'll be back in two minutes",
    "let me find that document",
    "that's a good point",
    "I agree with that",
    "I'm not sure I follow",
    "could you say that again",
    "let's move to the next item",
    "I'll set up a separate call",
    "nothing from my side",
    "same here, nothing new",
    "sorry about the background noise",
    "my dog is barking, give me a second",
    "let's keep this short today",
    "happy birthday by the way",
    "great to see everyone",
    "the room is booked until three",
    "we can use the small conference room",
    "is the projector working",
    "the whiteboard markers are dry",
    "I can take that action",
    "we went over time last week",
    "let's start with quick updates",
    "I'll put it on the agenda for next time",
    "can you hear the echo",
    "my headphones just died",
    "let's take a five minute break",
    "see you all tomorrow",
]
_TAILS = [
    "",
    " thanks",
    " I think",
    " if that's okay",
    " for a second",
    " right now",
    " as usual",
    " again",
    " then",
    " for now",
    " today",
    " before we start",
    " by the way",
    " I guess",
    " one more time",
    " real quick",
    " no worries",
    " in a moment",
    " first",
    " I suppose",
]
_NAMES = [
    "Alex",
    "Priya",
    "Jordan",
    "Chen",
    "Fatima",
    "Lucas",
    "Emma",
    "Kenji",
    "Olivia",
    "Diego",
    "Aisha",
    "Noah",
    "Sofia",
    "Mateo",
    "Hannah",
    "Omar",
    "Yuki",
    "Liam",
    "Zara",
    "Ben",
]


def filler(n: int, seed: int = 7) -> list[str]:
    """n distinct small-talk / logistics utterances (distractors for every topic)."""
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        core = rng.choice(_CORES)
        text = rng.choice(_OPENERS) + core + rng.choice(_TAILS)
        if rng.random() < 0.6:
            name = rng.choice(_NAMES)
            text = (
                f"{name}, {text[:1].lower()}{text[1:]}" if rng.random() < 0.5 else f"{text}, {name}"
            )
        if rng.random() < 0.3:
            text += f" — it's {rng.randint(1, 12)}:{rng.randint(0, 59):02d} here"
        text = text[0].upper() + text[1:] + rng.choice([".", "?", "!", "..."])
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


def meetings(total: int, seed: int = 11) -> list[dict]:
    """About ``total`` segments laid out as meetings of ~200 utterances, one rtstream each.

    Each topic's utterances form one discussion (a contiguous run with some small talk
    mixed in, as in real meetings) placed at a random point of its own meeting. Segment ids
    of labelled utterances are ``<topic>-<i>``; filler ids are ``f-<n>``.
    """
    rng = random.Random(seed)
    n_topic = sum(len(t["segments"]) for t in TOPICS.values())
    pool = iter(filler(max(total - n_topic, 0) + 64, seed=seed))
    per_meeting = 200
    n_meetings = max(len(TOPICS), total // per_meeting)
    topic_at = dict(zip(rng.sample(range(n_meetings), len(TOPICS)), TOPICS, strict=False))
    out: list[dict] = []
    produced = 0
    fillers = 0
    for m in range(n_meetings):
        lines: list[tuple[str, str]] = []
        budget = (total - produced) // (n_meetings - m)
        topic = topic_at.get(m)
        block: list[tuple[str, str]] = []
        if topic:
            for i, text in enumerate(TOPICS[topic]["segments"]):
                if rng.random() < 0.2:
                    block.append((None, next(pool)))
                block.append((f"{topic}-{i}", text))
        n_fill = max(budget - len(block), 0)
        fill = [next(pool) for _ in range(n_fill)]
        cut = rng.randint(0, n_fill)
        lines = [(None, t) for t in fill[:cut]] + block + [(None, t) for t in fill[cut:]]
        t = 0.0
        for seg_id, text in lines:
            if seg_id is None:
                seg_id, fillers = f"f-{fillers}", fillers + 1
            length = 1.5 + len(text) / 15
            out.append(
                {
                    "id": seg_id,
                    "text": text,
                    "session_id": f"cap-{m:05d}",
                    "rtstream_id": f"rts-{m:05d}-mic",
                    "channel": "mic:default",
                    "type": "transcript",
                    "start": round(t, 2),
                    "end": round(t + length, 2),
                }
            )
            t += length + 0.3
        produced += len(lines)
    return out
