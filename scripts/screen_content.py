"""Texts for the generated screen recordings, one bank per variant (see make_screen_recording).

The banks share no sentences, names, file names or numbers: "tune" is what the screen pipeline
is tuned on, "heldout" is only ever measured. Secrets are drawn at render time (random, fake).
"""

from __future__ import annotations

BANKS: dict[str, dict] = {
    "tune": {
        "slides": [
            (
                "Q3 Planning.pptx - PowerPoint",
                "Agenda for the quarterly review",
                [
                    "Budget review and paid ads spend",
                    "Mobile release 4.2 status",
                    "Hiring plan for the platform team",
                    "Open questions and next steps",
                ],
            ),
            (
                "Launch plan.odp - LibreOffice Impress",
                "Launch checklist",
                [
                    "Freeze the feature branch on Monday",
                    "Security review signed off by Dana",
                    "Press kit ready two days before launch",
                ],
            ),
        ],
        "spreadsheet": (
            "Marketing Budget.xlsx - LibreOffice Calc",
            ["Channel", "Planned", "Actual", "Variance"],
            ["Paid ads", "Events", "Sponsorships", "Content", "Social media", "Agencies"],
        ),
        "terminal": (
            "dev@build-01: ~/services/orders",
            "python manage.py migrate --database replica",
            [
                "Operations to perform:",
                "  Apply all migrations: orders, payments, sessions",
            ],
            [
                ("orders/db/router.py", 42, "connect_replica", "conn = pool.acquire(timeout=5)"),
                ("orders/db/pool.py", 118, "acquire", "return self._open(host, port)"),
                ("psycopg/connection.py", 731, "_open", "raise ConnectionRefusedError(errno)"),
            ],
            "ConnectionRefusedError: [Errno 111] Connection refused",
        ),
        "editor": (
            "settings.py - billing-service - Visual Studio Code",
            ["billing-service", "invoices.py", "settings.py", "tasks.py", "README.md"],
            [
                "import os",
                "",
                "DEBUG = False",
                "ALLOWED_HOSTS = ['billing.internal']",
                "INVOICE_DUE_DAYS = 30",
                "OPENAI_API_KEY = '{openai}'",
                "AWS_ACCESS_KEY_ID = '{aws}'",
                "RETRY_LIMIT = 4",
                "",
                "def invoice_prefix(region):",
                "    return f'INV-{{region.upper()}}'",
            ],
        ),
        "browser": (
            "Pricing - Lumen Analytics - Mozilla Firefox",
            "https://lumen.example.com/pricing",
            "Simple pricing for growing teams",
            [
                ("Starter", "$19 per month", "Five dashboards and email reports"),
                ("Growth", "$79 per month", "Unlimited dashboards and alerts"),
                ("Scale", "Contact sales", "Single sign-on and audit logs"),
            ],
        ),
        "chat": (
            "release-train - Northwind - Slack",
            ["general", "release-train", "design-review", "random"],
            [
                ("Priya Raman", "9:41 AM", "The staging deploy finished without errors"),
                ("Marcus Lee", "9:43 AM", "Great, can someone check the checkout flow?"),
                ("Priya Raman", "9:44 AM", "The staging admin password is {password}"),
                ("Dana Ortiz", "9:46 AM", "Checkout works on Android, testing iOS next"),
            ],
        ),
        "email": (
            "Inbox - ops@northwind.example - Mozilla Thunderbird",
            [
                ("Helen Park", "Quarterly vendor invoices", "Oct 14"),
                ("Build server", "Nightly build passed", "Oct 14"),
                ("Tom Becker", "Office move on Friday", "Oct 13"),
            ],
            "Quarterly vendor invoices",
            [
                "Hi team,",
                "Please approve the three vendor invoices before Thursday.",
                "The total is 18,450 euros and the budget owner is Helen.",
                "Thanks, Helen",
            ],
        ),
        "document": (
            "Incident review.docx - Word",
            "Incident review: checkout outage",
            [
                "On Tuesday the checkout service was unavailable for 47 minutes.",
                "The cause was an expired certificate on the payment gateway.",
                "Action: renew certificates automatically thirty days ahead.",
                "Owner: Marcus Lee, due end of the month.",
            ],
        ),
        "admin": (
            "API keys - Lumen Console - Google Chrome",
            "https://console.lumen.example.com/settings/keys",
            "Service accounts",
            [("reporting-bot", "{github}", "Created Oct 2")],
        ),
        "call": (
            "Zoom Meeting",
            ["Priya Raman", "Marcus Lee", "Dana Ortiz", "Helen Park"],
            ["Marcus: sharing the roadmap next", "Dana: I can take the demo"],
        ),
    },
    "heldout": {
        "slides": [
            (
                "Customer Summit.pptx - PowerPoint",
                "Why customers churn",
                [
                    "Onboarding takes longer than two weeks",
                    "Support replies arrive after business hours",
                    "Invoices are confusing for finance teams",
                    "Competitors bundle training for free",
                ],
            ),
            (
                "Offsite.odp - LibreOffice Impress",
                "Offsite logistics",
                [
                    "Train tickets booked for Wednesday morning",
                    "Dinner reservation at the harbour restaurant",
                    "Workshop rooms open from nine",
                ],
            ),
        ],
        "spreadsheet": (
            "Hiring Forecast.ods - LibreOffice Calc",
            ["Team", "Headcount", "Open roles", "Cost"],
            ["Platform", "Mobile", "Data science", "Customer success", "Finance", "Legal"],
        ),
        "terminal": (
            "kim@laptop: ~/code/storefront",
            "npm run start:worker",
            [
                "> storefront@2.7.1 start:worker",
                "> node dist/worker.js --queue emails",
            ],
            [
                ("dist/queue/redis.js", 88, "RedisClient.connect", "await socket.open()"),
                ("dist/worker.js", 15, "main", "const queue = await connectQueue()"),
            ],
            "Error: connect ECONNREFUSED 10.4.0.12:6379",
        ),
        "editor": (
            "deploy.env - infrastructure - Visual Studio Code",
            ["infrastructure", "terraform", "deploy.env", "Makefile", "variables.tf"],
            [
                "# production deploy settings",
                "REGION=eu-west-3",
                "CLUSTER_NAME=storefront-prod",
                "GITHUB_TOKEN={github}",
                "STRIPE_SECRET_KEY={stripe}",
                "REPLICAS=6",
                "LOG_LEVEL=warning",
                "HEALTHCHECK_PATH=/healthz",
            ],
        ),
        "browser": (
            "Release notes - Harbor Docs - Chromium",
            "https://docs.harbor.example.org/releases/2.7",
            "What changed in version 2.7",
            [
                ("Search", "Faster queries", "Indexes rebuild in the background"),
                ("Exports", "CSV and Parquet", "Large exports stream to storage"),
                ("Security", "Passkeys", "Sign in without a password"),
            ],
        ),
        "chat": (
            "Team chat - Mattermost",
            ["town-square", "infra-alerts", "storefront", "off-topic"],
            [
                ("Kim Yamada", "2:05 PM", "The payment worker keeps restarting"),
                ("Luis Romero", "2:07 PM", "Redis moved to a new host this morning"),
                ("Kim Yamada", "2:08 PM", "Router login is admin, the password is {password}"),
                ("Sara Nilsson", "2:10 PM", "I will update the connection string"),
            ],
        ),
        "email": (
            "Mail - finance@harbor.example - Outlook",
            [
                ("Oskar Berg", "Travel reimbursement approved", "Mar 3"),
                ("Payroll", "March payslips are ready", "Mar 2"),
                ("Ines Duarte", "Contract renewal questions", "Mar 1"),
            ],
            "Contract renewal questions",
            [
                "Hello,",
                "Before we renew the hosting contract I need two answers.",
                "Does the new price include backups, and is the term 24 months?",
                "Best regards, Ines",
            ],
        ),
        "document": (
            "Onboarding guide - Google Docs",
            "Your first week at Harbor",
            [
                "Monday starts with a laptop setup session at ten.",
                "Your buddy will walk you through the deployment pipeline.",
                "By Friday you should ship one small change to production.",
                "Ask questions in the storefront channel at any time.",
            ],
        ),
        "admin": (
            "Access tokens - Harbor Admin - Firefox",
            "https://admin.harbor.example.org/tokens",
            "Personal access tokens",
            [("ci-deployer", "{openai}", "Expires Jun 30")],
        ),
        "call": (
            "Google Meet - Weekly sync",
            ["Kim Yamada", "Luis Romero", "Sara Nilsson", "Oskar Berg", "Ines Duarte"],
            ["Luis: the Redis fix is deployed", "Sara: please mute when not talking"],
        ),
    },
}
