"""Write a synthetic postmortem archive for the benchmark, plus two MkDocs sites over it.

    python bench/generate.py N OUT_DIR [--seed S] [--no-verify]

Layout of OUT_DIR:

    plugin/mkdocs.yml            Material + search + the ``postmortems`` plugin, a 6-entry nav
    plugin/docs/index.md         home page
    plugin/postmortems/*.md      the N postmortems, with services.yml and causes.yml
    plugin/.cache/               the plugin's cache, written by its builds and checks
    plain/mkdocs.yml             Material + search only, the same 6-entry nav
    plain/docs/index.md          the same home page
    plain/docs/<nav page>.md     a one-line stub for each page of the nav the plugin generates
    plain/docs/postmortems/*.md  the same N Markdown files, copied (the floor: MkDocs itself)
    one-file.md -> relative path (from plugin/) of one postmortem, for the single-file check

The archive is deterministic for a given N and seed (no clock, no randomness without the
seed), written in neutral, blameless language, and verified with ``postmortem check
--strict`` unless ``--no-verify`` is given.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

FORMAT_VERSION = "3"  # bump when the output changes, so run.py regenerates cached archives
END_DATE = dt.date(2026, 5, 31)  # newest incident; run.py fixes SOURCE_DATE_EPOCH after it

# 50 services: (id, name, owner team, description).
SERVICES = [
    ("storefront", "Storefront", "team-storefront", "Product listing and detail pages."),
    ("checkout", "Checkout", "team-checkout", "Cart, order placement and the checkout flow."),
    ("payments-api", "Payments API", "team-payments", "Card and wallet authorization."),
    ("payments-db", "Payments database", "team-db", "PostgreSQL cluster for payments."),
    ("search", "Search", "team-search", "Product search and typeahead API."),
    ("search-indexer", "Search indexer", "team-search", "Builds the product search index."),
    ("identity", "Identity", "team-identity", "Login, sessions and tokens."),
    ("sessions", "Session store", "team-identity", "Redis cluster holding web sessions."),
    ("notifications", "Notifications", "team-notifications", "Email, SMS and push delivery."),
    ("email-gateway", "Email gateway", "team-notifications", "Outbound SMTP relay."),
    ("inventory", "Inventory", "team-inventory", "Stock levels and reservations."),
    ("warehouse-sync", "Warehouse sync", "team-inventory", "Sync with the warehouse system."),
    ("edge-cdn", "Edge and CDN", "team-edge", "CDN, TLS termination and WAF."),
    ("dns", "DNS", "team-edge", "Authoritative and internal DNS."),
    ("rate-limiter", "Rate limiter", "team-edge", "Request rate limiting at the edge."),
    ("api-gateway", "API gateway", "team-platform", "Routing and auth for public APIs."),
    ("service-mesh", "Service mesh", "team-platform", "mTLS and routing between services."),
    ("kubernetes", "Kubernetes platform", "team-platform", "Shared Kubernetes clusters."),
    ("ci", "CI", "team-devex", "Build and test pipelines."),
    ("deploy-pipeline", "Deploy pipeline", "team-devex", "Progressive delivery to production."),
    ("feature-flags", "Feature flags", "team-devex", "Flag evaluation service and SDKs."),
    ("artifact-registry", "Artifact registry", "team-devex", "Container images and packages."),
    ("orders", "Orders", "team-orders", "Order lifecycle and history."),
    ("orders-db", "Orders database", "team-db", "MySQL cluster for orders."),
    ("fulfillment", "Fulfillment", "team-orders", "Picking, packing and shipping."),
    ("shipping-rates", "Shipping rates", "team-orders", "Carrier rate quotes."),
    ("returns", "Returns", "team-orders", "Return requests and refunds."),
    ("pricing", "Pricing", "team-pricing", "Price rules and promotions."),
    ("promotions", "Promotions", "team-pricing", "Coupons and campaign discounts."),
    ("recommendations", "Recommendations", "team-data", "Product recommendations."),
    ("analytics-pipeline", "Analytics pipeline", "team-data", "Event ingestion to the lake."),
    ("data-warehouse", "Data warehouse", "team-data", "Reporting warehouse."),
    ("kafka", "Kafka", "team-streaming", "Shared event streaming cluster."),
    ("queue-workers", "Queue workers", "team-streaming", "Background job workers."),
    ("object-storage", "Object storage", "team-storage", "S3-compatible blob storage."),
    ("image-resizer", "Image resizer", "team-storage", "On-the-fly image resizing."),
    ("backups", "Backups", "team-storage", "Database and volume backups."),
    ("observability", "Observability", "team-observability", "Metrics, logs and traces."),
    ("alerting", "Alerting", "team-observability", "Alert routing and paging."),
    ("status-page", "Status page", "team-observability", "Public status page."),
    ("customer-support", "Support tools", "team-support-tools", "Ticketing integration."),
    ("chat-widget", "Chat widget", "team-support-tools", "Customer chat on the site."),
    ("mobile-api", "Mobile API", "team-mobile", "Backend for the mobile apps."),
    ("mobile-push", "Mobile push", "team-mobile", "Push notification fan-out."),
    ("loyalty", "Loyalty", "team-loyalty", "Points and rewards."),
    ("gift-cards", "Gift cards", "team-loyalty", "Gift card issuing and redemption."),
    ("fraud-scoring", "Fraud scoring", "team-risk", "Risk scores for payments."),
    ("tax-service", "Tax service", "team-risk", "Tax calculation for orders."),
    ("secrets-vault", "Secrets vault", "team-security", "Secrets and certificate issuing."),
    ("sso", "Workforce SSO", "team-security", "Single sign-on for internal tools."),
]

# 20 causes: (id, name, description, mechanism, contributing factors, resolution).
CAUSES = [
    (
        "config-change",
        "Configuration change",
        "A configuration change behaved differently in production than expected.",
        "a configuration change to {svc} lowered a connection limit",
        [
            "The new limit was tested in staging, where traffic is about a tenth of production.",
            "Configuration changes rolled out to every region at once, with no canary step.",
        ],
        "The previous configuration was restored through the config pipeline.",
    ),
    (
        "deploy-regression",
        "Deploy regression",
        "A code change introduced behaviour that tests and canaries did not catch.",
        "a release of {svc} changed how retries were counted",
        [
            "The canary compared error rates only, and the regression showed up as latency.",
            "The code path runs only for accounts with more than one saved address.",
        ],
        "The release was rolled back and the change reworked behind a flag.",
    ),
    (
        "missing-automation",
        "Missing automation",
        "A step relied on a manual action at the right moment, with no automated guard.",
        "a manual failover step on {svc} ran without an automated pre-flight check",
        [
            "The runbook step had no automated check of the replica state before promotion.",
            "The procedure runs about twice a year, so it had little recent practice.",
        ],
        "The step was repeated with a scripted check, and the data was reconciled.",
    ),
    (
        "outdated-documentation",
        "Outdated documentation",
        "A runbook or diagram described the system as it used to be.",
        "the {svc} runbook described a topology replaced the year before",
        [
            "The runbook lived in the wiki, outside the review process for infrastructure changes.",
            "The dashboard linked from the runbook had been reworked and showed a different panel.",
        ],
        "The responders switched to the current topology diagram and repeated the step.",
    ),
    (
        "capacity-limit",
        "Capacity limit",
        "A resource ran out under the load at the time.",
        "{svc} reached its connection pool limit during the evening peak",
        [
            "The pool size was set three years ago, for about half of today's traffic.",
            "Capacity planning tracked CPU and memory, not connections.",
        ],
        "The pool was resized and two more instances were added.",
    ),
    (
        "dependency-failure",
        "Dependency failure",
        "An internal or third-party dependency was unavailable or degraded.",
        "{dep}, a dependency of {svc}, returned timeouts for most requests",
        [
            "Calls to {dep} had a 30-second timeout and no circuit breaker.",
            "The fallback path existed but had not been exercised since a refactor.",
        ],
        "A circuit breaker was enabled and {svc} served cached responses until {dep} recovered.",
    ),
    (
        "expired-certificate",
        "Expired certificate",
        "A certificate or signing key expired while still in use.",
        "the TLS certificate of {svc} expired",
        [
            "The certificate was issued by hand and was not tracked by the renewal automation.",
            "The expiry reminder went to a shared mailbox that had been retired.",
        ],
        "A new certificate was issued through the automated issuer and deployed.",
    ),
    (
        "monitoring-gap",
        "Monitoring gap",
        "The problem was not visible to alerting, or alerted late.",
        "errors in {svc} grew for hours without an alert",
        [
            "The alert measured the error ratio over all endpoints, which hid one failing route.",
            "The dashboard had the right panel, but no alert was attached to it.",
        ],
        "A per-route alert was added and the backlog of failed requests was replayed.",
    ),
    (
        "data-migration",
        "Data migration",
        "A schema or data migration locked, slowed or changed data unexpectedly.",
        "a schema migration on {svc} took a table lock during business hours",
        [
            "The migration tool used a blocking ALTER for this column type.",
            "Migrations were reviewed for correctness, not for their locking behaviour.",
        ],
        "The migration was cancelled and rerun online with a shadow table.",
    ),
    (
        "traffic-spike",
        "Traffic spike",
        "Traffic rose faster than autoscaling or limits could absorb.",
        "a marketing campaign tripled traffic to {svc} within minutes",
        [
            "Autoscaling reacted on a five-minute average, slower than the ramp.",
            "The campaign calendar was not connected to capacity reviews.",
        ],
        "Capacity was added by hand and autoscaling thresholds were lowered.",
    ),
    (
        "retry-storm",
        "Retry storm",
        "Clients retried in lockstep and amplified a small failure.",
        "synchronized client retries multiplied the load on {svc}",
        [
            "Clients retried immediately, without backoff or jitter.",
            "The retry budget was configured per request, not per client.",
        ],
        "Retries were paused with a flag and later re-enabled with jittered backoff.",
    ),
    (
        "cache-eviction",
        "Cache eviction",
        "A cache evicted or expired entries in a way that overloaded the origin.",
        "a mass cache expiry sent every request for {svc} to the origin",
        [
            "Entries shared one expiry time because they were filled by the same job.",
            "The origin had no request coalescing for identical cache misses.",
        ],
        "The cache was warmed from a snapshot and expiry times were spread out.",
    ),
    (
        "disk-full",
        "Disk full",
        "A volume ran out of space or inodes.",
        "the data volume of {svc} ran out of space",
        [
            "Log rotation was configured by size, and a debug flag raised log volume tenfold.",
            "The disk alert fired at 95%, which left about twenty minutes to react.",
        ],
        "Old logs were removed, the volume was grown and the debug flag was turned off.",
    ),
    (
        "network-partition",
        "Network partition",
        "Part of the network could not reach another part.",
        "a network partition separated two zones used by {svc}",
        [
            "Leader election preferred the zone that had lost connectivity to clients.",
            "Health checks ran inside the zone and reported every node as healthy.",
        ],
        "Traffic was drained from the isolated zone until the network link recovered.",
    ),
    (
        "dns-propagation",
        "DNS propagation",
        "A DNS change took effect slower or differently than planned.",
        "a DNS change for {svc} was cached by resolvers with a long TTL",
        [
            "The record had a 24-hour TTL, and the change plan assumed five minutes.",
            "No step lowered the TTL ahead of the planned change.",
        ],
        "The old endpoint was kept serving until caches expired.",
    ),
    (
        "feature-flag",
        "Feature flag",
        "A feature flag change exposed untested behaviour.",
        "a feature flag for {svc} was turned on for all users at once",
        [
            "The flag tool allowed a full rollout without a percentage ramp.",
            "The flag combined two features that had been tested separately.",
        ],
        "The flag was turned off and a staged rollout plan was written.",
    ),
    (
        "resource-leak",
        "Resource leak",
        "Memory, file handles or connections leaked until a limit was reached.",
        "a memory leak in {svc} exhausted the containers over several days",
        [
            "Regular deploys had restarted the containers, which hid the leak for weeks.",
            "A deploy freeze removed those restarts during the holiday period.",
        ],
        "The containers were restarted and the leak was fixed in a patch release.",
    ),
    (
        "clock-skew",
        "Clock skew",
        "Hosts disagreed about the time.",
        "clock skew on a few hosts made {svc} reject valid tokens",
        [
            "The time sync agent was missing from a new base image.",
            "Token validation allowed only five seconds of skew.",
        ],
        "The time agent was installed and the affected hosts were replaced.",
    ),
    (
        "third-party-change",
        "Third-party change",
        "A vendor changed an API or behaviour without notice.",
        "a vendor API used by {svc} changed its response format",
        [
            "The client parsed the response strictly and rejected the new field.",
            "The vendor changelog went to a mailbox that nobody was subscribed to.",
        ],
        "The client was patched to accept unknown fields.",
    ),
    (
        "access-control",
        "Access control",
        "A permission or policy change blocked legitimate access.",
        "a policy change removed a permission that {svc} needed",
        [
            "The policy was checked by a linter but not exercised in staging.",
            "The permission was used only by a nightly job, so the effect appeared hours later.",
        ],
        "The permission was restored and a policy test was added to CI.",
    ),
]

PEOPLE = [
    "alice",
    "bob",
    "carol",
    "dmitri",
    "emeka",
    "fatima",
    "gustavo",
    "hana",
    "ines",
    "jonas",
    "kenji",
    "lena",
    "marcus",
    "nadia",
    "omar",
    "priya",
    "quentin",
    "rafael",
    "sofia",
    "tariq",
    "ulla",
    "viktor",
    "wen",
    "ximena",
    "yusuf",
    "zoe",
    "amara",
    "bruno",
    "chloe",
    "diego",
    "elif",
    "felix",
    "greta",
    "hugo",
    "ivy",
    "jamal",
    "kira",
    "luca",
    "mei",
    "nils",
]
GROUP_HANDLES = ["sre-oncall", "db-oncall", "edge-oncall", "payments-oncall", "platform-oncall"]
SEVERITIES = [("SEV1", 1), ("SEV2", 3), ("SEV3", 5), ("SEV4", 3)]
SYMPTOMS = [
    ("errors", "returned errors"),
    ("latency", "slowed down"),
    ("outage", "was unavailable"),
    ("backlog", "built a backlog"),
    ("stale-data", "served stale data"),
    ("timeouts", "timed out"),
]
ITEM_VERBS = [
    "Add an alert on {metric} for {svc}",
    "Automate the {svc} failover pre-flight check",
    "Load test {svc} at twice the current peak",
    "Move the {svc} runbook into the repository with an owner",
    "Add a canary stage for {svc} configuration changes",
    "Add backoff with jitter to clients of {svc}",
    "Track {svc} certificates in the renewal automation",
    "Run a game day for {svc} failover",
    "Document the {svc} dependency on {dep}",
    "Add a circuit breaker between {svc} and {dep}",
    "Review the capacity plan for {svc}",
    "Add a dashboard panel for {metric} of {svc}",
]
METRICS = [
    "connection pool usage",
    "queue depth",
    "error ratio per route",
    "replica lag",
    "disk usage",
    "p99 latency",
    "retry rate",
    "certificate expiry",
]
TAGS = [
    "postgresql",
    "redis",
    "kafka",
    "tls",
    "dns",
    "kubernetes",
    "cdn",
    "mysql",
    "autoscaling",
    "deploy",
    "config",
    "runbook",
    "alerting",
    "cache",
    "network",
]
MIDDLE_EVENTS = [
    "The incident channel is opened and an incident commander is assigned.",
    "Responders compare the error graphs with the deploy log.",
    "A status page update is published.",
    "The {dep} dashboards show normal behaviour, which narrows the search to {svc}.",
    "Responders find the change that matches the start of the errors.",
    "Support reports a rise in customer contacts about {svc}.",
]


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _slug_words(text: str) -> str:
    return "-".join(text.lower().replace(",", "").split()[:3])


def _dates(rng: random.Random, n: int) -> list[dt.date]:
    span = max(60, int(n * 0.55))  # about 660 incidents a year
    start = END_DATE - dt.timedelta(days=span)
    return sorted(start + dt.timedelta(days=rng.randint(0, span)) for _ in range(n))


def _yaml_list(values: list[str]) -> str:
    return "[" + ", ".join(values) + "]"


def _postmortem(
    rng: random.Random, number: int, day: dt.date, earlier: list[tuple[str, list[str]]]
) -> tuple[str, str, list[str]]:
    services = rng.sample(SERVICES, rng.choice([1, 1, 1, 2, 3]))
    causes = rng.sample(CAUSES, rng.choice([1, 1, 1, 2]))
    svc_id, svc_name = services[0][0], services[0][1]
    dep_name = rng.choice([s for s in SERVICES if s not in services])[1]
    symptom_slug, symptom = rng.choice(SYMPTOMS)
    cause = causes[0]
    fill = {"svc": svc_name, "dep": dep_name}
    mechanism = cause[3].format(**fill)
    title = f"{svc_name} {symptom} — {cause[1].lower()}"
    pm_id = f"{day.isoformat()}-{svc_id}-{symptom_slug}-{cause[0]}"
    severity = _weighted(rng, SEVERITIES)
    status = _weighted(rng, [("published", 85), ("in-review", 12), ("draft", 3)])

    started = dt.datetime.combine(day, dt.time(rng.randint(0, 14), rng.randint(0, 59)))
    detected = started + dt.timedelta(minutes=rng.randint(1, 25))
    mitigated = detected + dt.timedelta(minutes=rng.randint(10, 150))
    resolved = mitigated + dt.timedelta(minutes=rng.randint(15, 240))
    review = resolved.date() + dt.timedelta(days=rng.randint(1, 5))

    team = services[0][2]
    participants = rng.sample(PEOPLE, rng.randint(1, 3)) + rng.sample(GROUP_HANDLES, 1)
    authors = participants[: rng.choice([1, 1, 2])]
    # The teams owning the affected services take part, as the review policies ask.
    participants += [t for t in dict.fromkeys(s[2] for s in services) if t not in participants]
    age_days = (END_DATE - day).days
    items = []
    for index in range(rng.randint(2, 4)):
        if age_days > 365:
            item_status = _weighted(
                rng, [("done", 80), ("wont-do", 10), ("open", 6), ("in-progress", 4)]
            )
        else:
            item_status = _weighted(
                rng, [("done", 35), ("wont-do", 5), ("open", 35), ("in-progress", 25)]
            )
        other = rng.choice(services)
        action = rng.choice(ITEM_VERBS).format(
            svc=other[1], dep=dep_name, metric=rng.choice(METRICS)
        )
        due = day + dt.timedelta(days=rng.choice([14, 30, 30, 45, 60, 90]))
        owner = rng.choice([other[2], other[2], team, rng.choice(PEOPLE)])
        kind = rng.choice(["prevent", "mitigate", "detect", "process"])
        lines = [
            f"  - id: AI-{index + 1}",
            f"    title: {action}",
            f"    owner: {owner}",
            f"    due: {due.isoformat()}",
            f"    status: {item_status}",
        ]
        required = index == 0 and severity == "SEV1"  # its policy requires a prevent item
        if required:
            kind = "prevent"
        if rng.random() < 0.3 or required:
            lines.append(f"    type: {kind}")
        if rng.random() < 0.2:
            lines.append(
                f"    link: https://tracker.example.com/{team[5:].upper()}-{number + index}"
            )
        items.append("\n".join(lines))

    related: list[str] = []
    if earlier and rng.random() < 0.35:
        same = [pid for pid, svcs in earlier[-400:] if svc_id in svcs]
        pool = same or [pid for pid, _ in earlier[-50:]]
        related = sorted(set(rng.sample(pool, min(len(pool), rng.randint(1, 2)))))

    front = [
        "---",
        f"title: {title}",
        f"date: {day.isoformat()}",
        f"status: {status}",
        f"severity: {severity}",
        f"services: {_yaml_list([s[0] for s in services])}",
        f"causes: {_yaml_list([c[0] for c in causes])}",
        f"authors: {_yaml_list(authors)}",
        f"participants: {_yaml_list(participants)}",
        "incident:",
        f"  started: {started.isoformat()}Z",
        f"  detected: {detected.isoformat()}Z",
        f"  mitigated: {mitigated.isoformat()}Z",
        f"  resolved: {resolved.isoformat()}Z",
        f"review_meeting: {review.isoformat()}",
    ]
    if related:
        front.append(f"related: {_yaml_list(related)}")
    front.append(f"tags: {_yaml_list(rng.sample(TAGS, rng.randint(1, 2)))}")
    front.append("action_items:")
    front.extend(items)
    front.append("---")

    minutes = int((mitigated - started).total_seconds() // 60)
    share = rng.choice([3, 5, 8, 12, 20, 35, 60])
    middle = sorted(
        rng.sample(
            range(int(detected.timestamp()) + 60, int(mitigated.timestamp()), 60),
            k=rng.choice([0, 1]),
        )
    )
    timeline = [(started, f"{svc_name} {symptom}.")]
    timeline.append((detected, "An alert pages the on-call responder."))
    for moment, event in zip(middle, rng.sample(MIDDLE_EVENTS, len(middle)), strict=True):
        timeline.append(
            (
                dt.datetime.fromtimestamp(moment, dt.timezone.utc).replace(tzinfo=None),
                event.format(**fill),
            )
        )
    timeline.append((mitigated, "Error rates return to normal."))
    timeline.append((resolved, "Incident resolved."))

    factors = [rng.choice(c[4]).format(**fill) for c in causes]
    body = [
        "",
        "## Summary",
        "",
        f"{mechanism[0].upper()}{mechanism[1:]}, and {svc_name} {symptom} for {minutes} minutes.",
        "",
        "## Impact",
        "",
        f"- About {share}% of requests were affected.",
        "",
        "## Timeline",
        "",
        *(f"- {moment:%H:%M} UTC — {text}" for moment, text in timeline),
        "",
        "## Contributing Factors",
        "",
        *(f"- {factor}" for factor in factors),
        "",
        "## Resolution",
        "",
        cause[5].format(**fill),
        "",
        "## Lessons Learned",
        "",
        "### What went well",
        "",
        f"- The alert paged within {int((detected - started).seconds // 60)} minutes.",
        "",
        "### What went wrong",
        "",
        "- The first dashboards did not show the failing part.",
        "",
        "### Where we got lucky",
        "",
        "- It happened outside the weekly peak.",
        "",
    ]
    return pm_id, "\n".join(front + body), [s[0] for s in services]


def _catalogs() -> tuple[str, str]:
    services = ["# Service catalog (synthetic, for the benchmark)."]
    for sid, name, owner, description in SERVICES:
        services += [
            f"- id: {sid}",
            f"  name: {name}",
            f"  description: {description}",
            f"  owner: {owner}",
        ]
    causes = ["# Cause catalog (synthetic, for the benchmark)."]
    for cause in CAUSES:
        causes += [f"- id: {cause[0]}", f"  name: {cause[1]}", f"  description: {cause[2]}"]
    return "\n".join(services) + "\n", "\n".join(causes) + "\n"


EXTENSIONS = """markdown_extensions:
  - toc:
      permalink: true
  - admonition
  - attr_list
  - md_in_html
  - tables
"""

# The nav of both sites: (title, page). The plugin generates every page but the home page;
# the plain site gets a one-line stub at each of these paths, so both sites render the same
# nav on every page and the build ratio measures the plugin's work, not the configured nav.
NAV = [
    ("Home", "index.md"),
    ("Postmortems", "postmortems/index.md"),
    ("Services", "services/index.md"),
    ("Causes", "causes/index.md"),
    ("Action items", "action-items/index.md"),
    ("Needs attention", "needs-attention.md"),
]
NAV_YAML = "nav:\n" + "".join(f"  - {title}: {page}\n" for title, page in NAV)

PLUGIN_CONFIG = """site_name: Benchmark postmortems (plugin)
site_url: https://postmortems.bench.example/
theme:
  name: material
plugins:
  - search
  - postmortems:
      dir: postmortems
      cache: true  # the default; run.py removes .cache/ for its cold runs
{extensions}
{nav}"""

# The floor: the same Markdown, MkDocs + Material + search, the same nav over stub pages.
# not_in_nav marks the postmortems as the plugin marks its generated pages (no log of
# thousands of "not included in the nav" pages); postmortems/index.md stays in the nav.
PLAIN_CONFIG = """site_name: Benchmark postmortems (plain)
site_url: https://postmortems.bench.example/
theme:
  name: material
plugins:
  - search
{extensions}
not_in_nav: |
  /postmortems/*.md
  !/postmortems/index.md
{nav}"""

STUB = """# {title}

This page is generated by the plugin in the other site.
"""

HOME = """# Benchmark postmortems

A synthetic archive of {n} blameless postmortems (seed {seed}), generated by
`bench/generate.py` to measure build and check times.
"""


def generate(n: int, out: Path, seed: int = 1) -> dict[str, object]:
    """Write the archive and both sites into ``out`` (replacing them); return a summary."""
    rng = random.Random(seed)
    for name in ("plugin", "plain"):
        if (out / name).exists():
            shutil.rmtree(out / name)
    archive = out / "plugin" / "postmortems"
    plain_pages = out / "plain" / "docs" / "postmortems"
    archive.mkdir(parents=True)
    plain_pages.mkdir(parents=True)
    (out / "plugin" / "docs").mkdir(parents=True)
    services_yml, causes_yml = _catalogs()
    (archive / "services.yml").write_text(services_yml, encoding="utf-8")
    (archive / "causes.yml").write_text(causes_yml, encoding="utf-8")

    earlier: list[tuple[str, list[str]]] = []
    seen: set[str] = set()
    total = 0
    for number, day in enumerate(_dates(rng, n)):
        pm_id, text, services = _postmortem(rng, number, day, earlier)
        suffix = 2
        base = pm_id
        while pm_id in seen:
            pm_id = f"{base}-{suffix}"
            suffix += 1
        seen.add(pm_id)
        earlier.append((pm_id, services))
        data = text.encode("utf-8")
        total += len(data)
        (archive / f"{pm_id}.md").write_bytes(data)
        (plain_pages / f"{pm_id}.md").write_bytes(data)

    home = HOME.format(n=n, seed=seed)
    (out / "plugin" / "docs" / "index.md").write_text(home, encoding="utf-8")
    (out / "plain" / "docs" / "index.md").write_text(home, encoding="utf-8")
    for title, page in NAV[1:]:
        stub = out / "plain" / "docs" / page
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text(STUB.format(title=title), encoding="utf-8")
    (out / "plugin" / "mkdocs.yml").write_text(
        PLUGIN_CONFIG.format(extensions=EXTENSIONS, nav=NAV_YAML), encoding="utf-8"
    )
    (out / "plain" / "mkdocs.yml").write_text(
        PLAIN_CONFIG.format(extensions=EXTENSIONS, nav=NAV_YAML), encoding="utf-8"
    )
    one = earlier[len(earlier) // 2][0]
    (out / "one-file.md").write_text(f"postmortems/{one}.md\n", encoding="utf-8")
    summary = {
        "n": n,
        "seed": seed,
        "format": FORMAT_VERSION,
        "generator": hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16],
        "bytes": total,
        "mean_bytes": round(total / max(n, 1)),
        "one_file": f"postmortems/{one}.md",
    }
    (out / "archive.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def postmortem_command() -> list[str]:
    """The ``postmortem`` console script next to this Python, else ``-m postmortem_kb.cli``."""
    script = Path(sys.executable).parent / "postmortem"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "postmortem_kb.cli"]


def verify(out: Path) -> tuple[bool, str]:
    """Run ``postmortem check --strict`` on the plugin site; (ok, output)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [*postmortem_command(), "check", "--strict"],
        cwd=out / "plugin",
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    return result.returncode == 0, (result.stdout + result.stderr).strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of postmortems")
    parser.add_argument("out", type=Path, help="output folder (plugin/ and plain/ are replaced)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-verify", action="store_true", help="skip postmortem check --strict")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("N must be at least 1")
    summary = generate(args.n, args.out, args.seed)
    print(
        f"wrote {args.n} postmortems ({summary['mean_bytes']} bytes each on average) "
        f"to {args.out}/plugin/postmortems and {args.out}/plain/docs/postmortems"
    )
    if args.no_verify:
        return 0
    ok, output = verify(args.out)
    if not ok:
        lines = output.splitlines()
        shown = "\n".join(lines[:20] + (["..."] if len(lines) > 21 else []) + lines[-1:])
        print(
            f"ERROR: the generated archive does not pass `postmortem check --strict`:\n{shown}",
            file=sys.stderr,
        )
        return 1
    print(f"postmortem check --strict: {output.splitlines()[-1] if output else 'ok'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
