"""A deterministic marketing content library for the sample data set.

Each asset is one Markdown file with YAML front matter (id, title, url, type, topics, personas,
stage, industries) and a body of 150 to 400 words. Bodies are filled from templates and from the
per-topic, per-industry and per-product tables below. The numbers in a body come from a random
generator seeded with the asset id, so an asset reads the same in every run.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from nextbest.samples.generator import PRODUCTS, TOPICS_BY_PRODUCT

CONTENT_TYPES: tuple[str, ...] = (
    "case_study",
    "whitepaper",
    "webinar",
    "pricing",
    "playbook",
    "datasheet",
    "blog",
    "roi_calculator",
)
FUNNEL_STAGES: tuple[str, ...] = ("awareness", "consideration", "decision")

_BASE_URL = "https://example.com"


@dataclass(frozen=True)
class ContentAsset:
    """One piece of marketing content and its front matter."""

    id: str
    title: str
    url: str
    type: str
    topics: tuple[str, ...]
    personas: tuple[str, ...]
    stage: str
    industries: tuple[str, ...]
    body: str

    def to_markdown(self) -> str:
        """Render the asset as YAML front matter followed by the Markdown body."""
        # JSON strings and arrays are valid YAML flow scalars and sequences, so json.dumps
        # quotes titles that contain colons or quotes safely.
        front_matter = "\n".join(
            (
                "---",
                f"id: {self.id}",
                f"title: {json.dumps(self.title, ensure_ascii=False)}",
                f"url: {self.url}",
                f"type: {self.type}",
                f"topics: {json.dumps(list(self.topics), ensure_ascii=False)}",
                f"personas: {json.dumps(list(self.personas))}",
                f"stage: {self.stage}",
                f"industries: {json.dumps(list(self.industries), ensure_ascii=False)}",
                "---",
            )
        )
        return f"{front_matter}\n\n{self.body.strip()}\n"


@dataclass(frozen=True)
class _TopicBrief:
    topic: str
    slug: str
    # The topic as it reads inside a sentence.
    phrase: str
    # Persona family of the topic's practitioners and leaders: "security" or "it".
    audience: str
    related: str
    problem: str
    challenges: tuple[str, str, str]
    capabilities: tuple[str, str, str]
    # Result lines with str.format fields filled from _draw_numbers.
    results: tuple[str, str, str]
    headline: str
    key_industries: tuple[str, str, str]


@dataclass(frozen=True)
class _IndustryBrief:
    industry: str
    slug: str
    description: str
    regulation: str
    site_unit: str
    customers: tuple[str, str]
    pressure: str
    leader_role: str
    expansion: str


@dataclass(frozen=True)
class _ProductBrief:
    product: str
    slug: str
    summary: str
    unit: str
    essentials_price: int
    professional_price: int
    integrations: str


_TOPIC_BRIEFS: tuple[_TopicBrief, ...] = (
    _TopicBrief(
        topic="Zero Trust",
        slug="zero-trust",
        phrase="Zero Trust",
        audience="security",
        related="Identity and Access Management",
        problem=(
            "Flat networks and VPN access let one stolen password reach almost every internal "
            "system."
        ),
        challenges=(
            "VPN concentrators that grant full network access once a user logs in",
            "contractors and suppliers with standing access that nobody reviews",
            "legacy applications that cannot use modern authentication",
        ),
        capabilities=(
            "per-application access decided on identity, device posture and location at every "
            "request",
            "an identity-aware proxy that replaces the VPN for web, SSH and RDP applications",
            "one policy written once and enforced in the cloud and in the data centre",
        ),
        results=(
            "Users with network-wide access fell from {before_n:,} to {after_n:,}.",
            "VPN licence costs fell by {pct}%, saving {savings} a year.",
            "Access reviews for suppliers now take {days_after} days instead of {days_before}.",
        ),
        headline="retires its VPN with Zero Trust access",
        key_industries=("Financial Services", "Government", "Healthcare"),
    ),
    _TopicBrief(
        topic="Cloud Security",
        slug="cloud-security",
        phrase="cloud security",
        audience="security",
        related="Security Compliance",
        problem=(
            "Cloud accounts multiply faster than security teams can review them, and one public "
            "storage bucket is enough for a breach."
        ),
        challenges=(
            "hundreds of AWS, Azure and Google Cloud accounts with no single inventory",
            "misconfigured storage and over-permissive roles found only during audits",
            "infrastructure as code shipped without any security review",
        ),
        capabilities=(
            "agentless discovery of every cloud account, workload and data store within an hour",
            "continuous posture checks against CIS benchmarks, with fixes proposed as pull "
            "requests",
            "attack-path analysis that ranks misconfigurations by the data they expose",
        ),
        results=(
            "Open critical misconfigurations dropped by {pct}% in the first quarter.",
            "Fixing a public storage finding now takes {days_after} days instead of {days_before}.",
            "{count:,} cloud workloads now sit under one policy set.",
        ),
        headline="brings its multi-cloud estate under one policy",
        key_industries=("Software", "Financial Services", "Retail"),
    ),
    _TopicBrief(
        topic="Data Loss Prevention",
        slug="data-loss-prevention",
        phrase="data loss prevention",
        audience="security",
        related="Security Compliance",
        problem=(
            "Sensitive records leave through email, cloud drives and generative AI tools long "
            "before anyone notices."
        ),
        challenges=(
            "customer records copied into personal cloud storage",
            "pattern-matching rules that flood analysts with false positives",
            "no view of what staff paste into AI assistants",
        ),
        capabilities=(
            "classification that recognises identifiers, contracts and source code with machine "
            "learning rather than regular expressions alone",
            "policies that coach the user in the moment instead of silently blocking work",
            "one policy across endpoints, email, SaaS applications and browsers",
        ),
        results=(
            "False-positive DLP alerts fell by {pct}%.",
            "{count:,} files with exposed customer data were found and secured in the first "
            "{days_before} days.",
            "Incidents involving personal data dropped by {pct2}% year over year.",
        ),
        headline="stops data leaks without slowing its staff down",
        key_industries=("Healthcare", "Financial Services", "Insurance"),
    ),
    _TopicBrief(
        topic="Identity and Access Management",
        slug="identity-and-access-management",
        phrase="identity and access management",
        audience="it",
        related="Zero Trust",
        problem=(
            "Most breaches start with a valid login, so the identity system is now the front door."
        ),
        challenges=(
            "joiner, mover and leaver processes run from spreadsheets",
            "service accounts and API keys with no owner",
            "multi-factor authentication rolled out to only part of the workforce",
        ),
        capabilities=(
            "lifecycle automation that grants and removes access from HR events",
            "phishing-resistant multi-factor authentication with passkeys and FIDO2 keys",
            "access certification campaigns that managers finish in minutes",
        ),
        results=(
            "Orphaned accounts fell from {before_n:,} to {after_n:,}.",
            "Leavers now lose access within {hours_after} hours instead of {days_before} days.",
            "Multi-factor authentication now covers {coverage}% of the workforce.",
        ),
        headline="automates access for every joiner, mover and leaver",
        key_industries=("Healthcare", "Education", "Manufacturing"),
    ),
    _TopicBrief(
        topic="Endpoint Detection and Response",
        slug="endpoint-detection-and-response",
        phrase="endpoint detection and response",
        audience="security",
        related="Ransomware",
        problem=(
            "Attackers now use the administration tools already on a machine, which "
            "signature-based antivirus does not flag."
        ),
        challenges=(
            "antivirus alerts with no context about what happened before and after",
            "remote laptops that stay off the corporate network for weeks",
            "investigations that need a forensic specialist to pull data from one machine",
        ),
        capabilities=(
            "behavioural detection of credential theft, lateral movement and abuse of built-in "
            "tools",
            "one-click isolation of a compromised machine from the console",
            "a searchable 90-day timeline of process, file and network activity on every endpoint",
        ),
        results=(
            "Mean time to detect fell from {hours_before} hours to {hours_after}.",
            "Analysts close endpoint investigations {pct}% faster.",
            "{count:,} endpoints were covered within {days_before} days of the contract.",
        ),
        headline="cuts endpoint investigation time from days to hours",
        key_industries=("Manufacturing", "Software", "Logistics"),
    ),
    _TopicBrief(
        topic="Ransomware",
        slug="ransomware",
        phrase="ransomware defence",
        audience="security",
        related="Endpoint Detection and Response",
        problem=(
            "A ransomware attack can stop operations for weeks, and the ransom is often the "
            "smallest part of the cost."
        ),
        challenges=(
            "backups reachable with the same domain credentials an attacker steals",
            "no rehearsed plan for isolating a site within minutes",
            "early signs such as mass file renames buried in noisy logs",
        ),
        capabilities=(
            "detection of encryption behaviour that stops the process and rolls back the "
            "affected files",
            "automatic isolation of infected hosts before an attack spreads",
            "readiness assessments that test backups and response runbooks against real attack "
            "chains",
        ),
        results=(
            "A simulated ransomware attack was contained in {minutes} minutes.",
            "Cyber insurance premiums fell by {pct2}% after the readiness assessment.",
            "{before_n:,} hosts with remote desktop exposed to the internet were closed.",
        ),
        headline="contains a ransomware attack in minutes",
        key_industries=("Manufacturing", "Healthcare", "Education"),
    ),
    _TopicBrief(
        topic="SIEM",
        slug="siem",
        phrase="SIEM",
        audience="security",
        related="Threat Intelligence",
        problem=(
            "Log volumes grow every year, and so do SIEM bills, while analysts still miss the "
            "alerts that matter."
        ),
        challenges=(
            "ingest costs that force the team to drop useful log sources",
            "correlation rules nobody has tuned since the first deployment",
            "analysts switching between six consoles during one investigation",
        ),
        capabilities=(
            "cloud-native log storage priced by use rather than by daily ingest",
            "detection content mapped to MITRE ATT&CK and updated every week",
            "automated triage that groups related alerts into one incident",
        ),
        results=(
            "SIEM running costs fell by {pct}% while log sources doubled.",
            "Alerts needing a human decision dropped from {before_n:,} to {after_n:,} a day.",
            "Mean time to respond fell from {hours_before} hours to {hours_after}.",
        ),
        headline="replaces its legacy SIEM and halves alert volume",
        key_industries=("Financial Services", "Telecommunications", "Energy"),
    ),
    _TopicBrief(
        topic="Security Compliance",
        slug="security-compliance",
        phrase="security compliance",
        audience="security",
        related="Cloud Security",
        problem=(
            "Auditors ask for the same evidence every year, and collecting it by hand takes weeks "
            "of engineering time."
        ),
        challenges=(
            "evidence for SOC 2, ISO 27001 and PCI DSS collected as screenshots",
            "controls that drift between audits without anyone noticing",
            "a separate spreadsheet for every framework",
        ),
        capabilities=(
            "continuous control monitoring mapped to more than 30 frameworks",
            "evidence collected automatically from cloud, identity and ticketing systems",
            "audit-ready reports that show the history of each control",
        ),
        results=(
            "Audit preparation dropped from {audit_weeks} weeks to {days_after} days.",
            "Control failures are found within {hours_after} hours instead of at the next audit.",
            "The team saved {savings} a year in consulting fees.",
        ),
        headline="turns its annual audit into a continuous process",
        key_industries=("Financial Services", "Insurance", "Software"),
    ),
    _TopicBrief(
        topic="Threat Intelligence",
        slug="threat-intelligence",
        phrase="threat intelligence",
        audience="security",
        related="SIEM",
        problem=(
            "Threat feeds arrive by the thousand, and few of them say anything about the threats "
            "a company actually faces."
        ),
        challenges=(
            "indicator feeds that nobody has time to review",
            "no link between reported campaigns and the company's own exposure",
            "executive briefings assembled by hand every month",
        ),
        capabilities=(
            "curated intelligence scored for relevance to the company's industry, region and "
            "technology",
            "indicators pushed automatically into the firewall, EDR and SIEM",
            "monthly executive briefings generated from the same data",
        ),
        results=(
            "Indicators reviewed by hand fell from {before_n:,} to {after_n:,} a week.",
            "{pct}% of blocked attacks were stopped by indicators from the curated feed.",
            "Preparing the monthly board briefing now takes {hours_after} hours instead of "
            "{days_before} days.",
        ),
        headline="puts threat intelligence to work in its SOC",
        key_industries=("Financial Services", "Government", "Energy"),
    ),
    _TopicBrief(
        topic="Network Security",
        slug="network-security",
        phrase="network security",
        audience="it",
        related="Zero Trust",
        problem=(
            "Branch offices, cloud regions and remote staff have stretched the network far beyond "
            "the old perimeter."
        ),
        challenges=(
            "firewall rule bases with thousands of entries and no owners",
            "traffic between workloads that nobody inspects",
            "separate appliances at every branch, each on a different software version",
        ),
        capabilities=(
            "micro-segmentation policies learned from observed traffic",
            "a cloud-delivered firewall and secure web gateway for every location",
            "rule analysis that finds shadowed, unused and over-permissive rules",
        ),
        results=(
            "Firewall rules fell from {before_n:,} to {after_n:,} without a single outage.",
            "{pct}% of traffic between workloads is now inspected.",
            "Opening a new branch now takes {days_after} days instead of {days_before}.",
        ),
        headline="segments its network without a single outage",
        key_industries=("Retail", "Telecommunications", "Logistics"),
    ),
    _TopicBrief(
        topic="Email Security",
        slug="email-security",
        phrase="email security",
        audience="security",
        related="Threat Intelligence",
        problem=(
            "Email is still where most attacks begin, and business email compromise costs more "
            "than ransomware."
        ),
        challenges=(
            "phishing that passes the email gateway because it carries no link or attachment",
            "supplier invoice fraud sent from compromised partner mailboxes",
            "reported phishing piling up in a queue that nobody triages",
        ),
        capabilities=(
            "language and relationship analysis that flags impersonation and invoice fraud",
            "automatic removal of a malicious message from every inbox once one user reports it",
            "DMARC enforcement managed for every sending domain",
        ),
        results=(
            "Phishing reaching inboxes fell by {pct}%.",
            "Reported messages are triaged in {minutes} minutes instead of {hours_before} hours.",
            "Attempted invoice fraud worth {savings} was stopped in the first year.",
        ),
        headline="stops invoice fraud before it reaches the inbox",
        key_industries=("Insurance", "Logistics", "Media"),
    ),
    _TopicBrief(
        topic="Vulnerability Management",
        slug="vulnerability-management",
        phrase="vulnerability management",
        audience="it",
        related="Cloud Security",
        problem=(
            "Scanners find tens of thousands of vulnerabilities, and patch teams can fix only a "
            "fraction of them each month."
        ),
        challenges=(
            "CVSS scores that rank almost every finding as critical",
            "no known owner for half of the assets the scanner finds",
            "patch cycles measured in months for internet-facing systems",
        ),
        capabilities=(
            "risk-based prioritisation that combines exploit data, asset value and exposure",
            "asset ownership pulled from the CMDB and from cloud tags",
            "fix tickets routed to the right team with the exact patch or configuration change",
        ),
        results=(
            "Vulnerabilities marked urgent fell from {before_n:,} to {after_n:,}.",
            "Internet-facing systems are now patched in {days_after} days instead of "
            "{days_before}.",
            "{coverage}% of scanned assets now have a named owner.",
        ),
        headline="fixes the vulnerabilities that matter first",
        key_industries=("Software", "Government", "Media"),
    ),
)

_INDUSTRY_BRIEFS: tuple[_IndustryBrief, ...] = (
    _IndustryBrief(
        industry="Financial Services",
        slug="bank",
        description="regional bank",
        regulation="PCI DSS and FFIEC",
        site_unit="branches",
        customers=("Harbor Ridge Bank", "Granite Trust Financial"),
        pressure=(
            "Examiners had started to ask for evidence quarterly, and two peer banks had "
            "disclosed breaches that year."
        ),
        leader_role="Chief Information Security Officer",
        expansion="its wealth management subsidiary",
    ),
    _IndustryBrief(
        industry="Healthcare",
        slug="hospital",
        description="hospital network",
        regulation="HIPAA",
        site_unit="hospitals and clinics",
        customers=("St. Aldric Health System", "Bluewater Medical Group"),
        pressure=(
            "Clinical systems could not be taken offline for patching, and every hour of "
            "downtime delayed patient care."
        ),
        leader_role="Chief Information Officer",
        expansion="its outpatient clinics",
    ),
    _IndustryBrief(
        industry="Insurance",
        slug="insurer",
        description="property and casualty insurer",
        regulation="NYDFS Part 500",
        site_unit="regional offices",
        customers=("Meridian Mutual Insurance", "Cobalt Shield Assurance"),
        pressure=(
            "Claims data is shared with hundreds of brokers and adjusters, each a possible way in."
        ),
        leader_role="Chief Information Security Officer",
        expansion="its broker portal",
    ),
    _IndustryBrief(
        industry="Software",
        slug="saas",
        description="software-as-a-service provider",
        regulation="SOC 2 Type II",
        site_unit="engineering hubs",
        customers=("Quillstack Software", "Parallax Cloud Systems"),
        pressure=(
            "Enterprise customers had begun sending 300-question security questionnaires with "
            "every renewal."
        ),
        leader_role="VP of Security",
        expansion="its newly acquired product lines",
    ),
    _IndustryBrief(
        industry="Manufacturing",
        slug="manufacturer",
        description="industrial equipment manufacturer",
        regulation="IEC 62443",
        site_unit="plants",
        customers=("Oakline Manufacturing", "Ferrovia Industrial"),
        pressure=(
            "A stopped production line costs the company far more per hour than any security "
            "tool costs per year."
        ),
        leader_role="Director of IT Infrastructure",
        expansion="its plants in Mexico and Poland",
    ),
    _IndustryBrief(
        industry="Retail",
        slug="retailer",
        description="specialty retailer",
        regulation="PCI DSS",
        site_unit="stores",
        customers=("Brightcart Stores", "Mosaic Home Retail"),
        pressure=(
            "Holiday trading leaves no room for outages, and card data flows through every store."
        ),
        leader_role="Chief Information Officer",
        expansion="its e-commerce platform",
    ),
    _IndustryBrief(
        industry="Telecommunications",
        slug="telco",
        description="mobile and broadband operator",
        regulation="the NIS2 Directive",
        site_unit="regional exchanges",
        customers=("Tellwave Communications", "Aurora Mobile"),
        pressure=(
            "As critical infrastructure, the operator must report serious incidents to the "
            "regulator within 24 hours."
        ),
        leader_role="Chief Security Officer",
        expansion="its enterprise customer network",
    ),
    _IndustryBrief(
        industry="Energy",
        slug="utility",
        description="electric utility",
        regulation="NERC CIP",
        site_unit="substations and control centres",
        customers=("Northgrid Energy", "Sunvale Power"),
        pressure=(
            "Operational technology and corporate IT had grown together, so an office laptop "
            "could become a path to the grid."
        ),
        leader_role="Chief Information Security Officer",
        expansion="its generation sites",
    ),
    _IndustryBrief(
        industry="Government",
        slug="agency",
        description="state government agency",
        regulation="NIST 800-53",
        site_unit="field offices",
        customers=("Ashford County Government", "Westmark Revenue Department"),
        pressure=(
            "Budgets were fixed for three years, so any new tool had to replace at least one old "
            "one."
        ),
        leader_role="Chief Information Security Officer",
        expansion="two partner agencies under a shared-services agreement",
    ),
    _IndustryBrief(
        industry="Education",
        slug="university",
        description="public research university",
        regulation="FERPA",
        site_unit="campuses",
        customers=("Lakeview State University", "Kingsbridge College"),
        pressure=(
            "Every September brings thousands of new students with unmanaged devices onto the "
            "network."
        ),
        leader_role="Chief Information Officer",
        expansion="its research computing clusters",
    ),
    _IndustryBrief(
        industry="Logistics",
        slug="carrier",
        description="freight and logistics carrier",
        regulation="ISO 27001",
        site_unit="distribution centres",
        customers=("Swiftroute Logistics", "Polar Freight"),
        pressure=(
            "Shipment data moves between thousands of partners, and a single stopped warehouse "
            "system delays deliveries across the region."
        ),
        leader_role="Director of IT Infrastructure",
        expansion="its customs brokerage business",
    ),
    _IndustryBrief(
        industry="Media",
        slug="broadcaster",
        description="streaming and broadcast company",
        regulation="GDPR",
        site_unit="studios",
        customers=("Crestview Media", "Lumina Broadcasting"),
        pressure=(
            "Unreleased content is a prime target, and a leak before launch costs millions in "
            "lost subscriptions."
        ),
        leader_role="Chief Technology Officer",
        expansion="its production partners",
    ),
)

_PRODUCT_BRIEFS: tuple[_ProductBrief, ...] = (
    _ProductBrief(
        product="Sentinel Cloud",
        slug="sentinel-cloud",
        summary="cloud security posture, compliance monitoring and vulnerability management",
        unit="cloud workload",
        essentials_price=96,
        professional_price=180,
        integrations="AWS, Azure, Google Cloud, Kubernetes, GitHub, Jira and ServiceNow",
    ),
    _ProductBrief(
        product="Sentinel Access",
        slug="sentinel-access",
        summary="Zero Trust application access, identity governance and network security",
        unit="user",
        essentials_price=48,
        professional_price=96,
        integrations="Okta, Microsoft Entra ID, Workday, AWS, Azure and Palo Alto Networks",
    ),
    _ProductBrief(
        product="Sentinel Detect",
        slug="sentinel-detect",
        summary=("endpoint detection and response, SIEM, threat intelligence and email security"),
        unit="endpoint",
        essentials_price=60,
        professional_price=120,
        integrations="Windows, macOS, Linux, Microsoft 365, Google Workspace and Splunk",
    ),
    _ProductBrief(
        product="Sentinel Data",
        slug="sentinel-data",
        summary="data loss prevention across endpoints, email, SaaS applications and browsers",
        unit="user",
        essentials_price=36,
        professional_price=72,
        integrations="Microsoft 365, Google Workspace, Salesforce, Slack and Box",
    ),
)

_ROI_PRODUCTS: tuple[str, ...] = ("Sentinel Detect", "Sentinel Access")

_SPEAKERS: tuple[str, ...] = (
    "Dana Whitfield",
    "Rohan Mehta",
    "Claire Dubois",
    "Tomasz Nowak",
    "Aiko Tanaka",
    "Marcus Reed",
    "Elena Rossi",
    "Samuel Okoye",
)

_QUOTES: tuple[str, ...] = (
    "Before {product}, {phrase} meant spreadsheets and guesswork. Now we see the whole picture "
    "in one place and can prove it to the board.",
    "We expected a tool. What we got was {hours_back} hours a week back for every analyst on "
    "the team.",
    "The proof of concept found problems in the first week that our old tooling had missed for "
    "years.",
    "Our auditors noticed the difference before we told them about it.",
)


def build_content_assets() -> tuple[ContentAsset, ...]:
    """Build every asset of the sample library, in a fixed order.

    Each product topic gets two case studies in different industries, a whitepaper, a blog
    post and one of a webinar, a playbook or a datasheet. Each product gets a pricing page,
    and the products in _ROI_PRODUCTS get an ROI calculator.
    """
    assets: list[ContentAsset] = []
    industry_count = len(_INDUSTRY_BRIEFS)
    for index, brief in enumerate(_TOPIC_BRIEFS):
        first_industry = _INDUSTRY_BRIEFS[index % industry_count]
        second_industry = _INDUSTRY_BRIEFS[(index + 5) % industry_count]
        assets.append(_case_study(brief, first_industry, first_industry.customers[0]))
        assets.append(_case_study(brief, second_industry, second_industry.customers[1]))
        assets.append(_whitepaper(brief))
        assets.append(_blog_post(brief))
        fourth_kind = ("webinar", "playbook", "datasheet")[index % 3]
        if fourth_kind == "webinar":
            assets.append(_webinar(brief, first_industry))
        elif fourth_kind == "playbook":
            assets.append(_playbook(brief))
        else:
            assets.append(_datasheet(brief))
    for product in _PRODUCT_BRIEFS:
        assets.append(_pricing_page(product))
    for product_name in _ROI_PRODUCTS:
        assets.append(_roi_calculator(_product_brief(product_name)))
    return tuple(assets)


def write_content_library(out_dir: Path) -> int:
    """Write the sample library to out_dir/content as <id>.md files and return their count.

    Files of the same name are overwritten, and other files in the folder are left alone.
    """
    content_dir = Path(out_dir) / "content"
    content_dir.mkdir(parents=True, exist_ok=True)
    assets = build_content_assets()
    for asset in assets:
        (content_dir / f"{asset.id}.md").write_text(asset.to_markdown(), encoding="utf-8")
    return len(assets)


def _draw_numbers(asset_id: str) -> dict[str, int | str]:
    # random.Random seeds a str through SHA-512, so the numbers do not depend on PYTHONHASHSEED.
    rnd = random.Random(asset_id)
    before = rnd.randrange(900, 12_000, 10)
    return {
        "employees": rnd.randrange(800, 60_000, 100),
        "sites": rnd.randint(4, 180),
        "team": rnd.randint(6, 60),
        "weeks": rnd.randint(3, 8),
        "months": rnd.choice((6, 9, 12, 18)),
        "before_n": before,
        "after_n": int(before * rnd.uniform(0.02, 0.2)),
        "pct": rnd.randint(35, 85),
        "pct2": rnd.randint(12, 60),
        "coverage": rnd.randint(96, 100),
        "days_before": rnd.randint(12, 45),
        "days_after": rnd.randint(2, 5),
        "hours_before": rnd.randint(18, 96),
        "hours_after": rnd.randint(2, 6),
        "hours_back": rnd.randint(4, 12),
        "minutes": rnd.randint(4, 25),
        "count": rnd.randrange(1_200, 48_000, 10),
        "savings": f"${rnd.randint(3, 40) * 50_000:,}",
        "audit_weeks": rnd.randint(6, 14),
        "survey": rnd.randrange(300, 1_200, 10),
        "pages": rnd.randint(20, 60),
        "quote": rnd.randrange(len(_QUOTES)),
        "speaker": rnd.randrange(len(_SPEAKERS)),
    }


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def _product_of(topic: str) -> str:
    for product in PRODUCTS:
        if topic in TOPICS_BY_PRODUCT[product]:
            return product
    raise KeyError(topic)


def _personas(brief: _TopicBrief, *roles: str) -> tuple[str, ...]:
    """Map roles ("leader", "practitioner" or a persona name) to personas for the topic."""
    personas: list[str] = []
    for role in roles:
        persona = f"{brief.audience}_{role}" if role in ("leader", "practitioner") else role
        if persona not in personas:
            personas.append(persona)
    return tuple(personas)


def _case_study(brief: _TopicBrief, industry: _IndustryBrief, customer: str) -> ContentAsset:
    asset_id = f"cs-{brief.slug}-{industry.slug}"
    numbers = _draw_numbers(asset_id)
    product = _product_of(brief.topic)
    title = f"{customer} {brief.headline}"
    results = [line.format(**numbers) for line in brief.results]
    quote = _QUOTES[int(numbers["quote"])].format(
        product=product, phrase=brief.phrase, hours_back=numbers["hours_back"]
    )
    related_phrase = _brief_for(brief.related).phrase
    body = f"""# {title}

{customer} is a {industry.description} with {numbers["employees"]:,} employees across \
{numbers["sites"]} {industry.site_unit}. Its security team of {numbers["team"]} people reports to \
the {industry.leader_role} and must show {industry.regulation} auditors that its controls work \
every day, not only at audit time.

## The challenge

{brief.problem} At {customer} the symptoms were {brief.challenges[0]}, {brief.challenges[1]}, \
and {brief.challenges[2]}. {industry.pressure}

## Why {customer} chose {product}

The team ran a {numbers["weeks"]}-week proof of concept against two other vendors on its own \
{brief.phrase} use cases. {product} won because it offered {brief.capabilities[0]}. The team \
also valued {brief.capabilities[1]}, and {brief.capabilities[2]}.

## Results after {numbers["months"]} months

- {results[0]}
- {results[1]}
- {results[2]}

> "{quote}"
> — {industry.leader_role}, {customer}

## What comes next

{customer} is extending {product} to {industry.expansion} and plans to add \
{related_phrase} next year.
"""
    return ContentAsset(
        id=asset_id,
        title=title,
        url=f"{_BASE_URL}/customers/{_slugify(customer)}-{brief.slug}",
        type="case_study",
        topics=(brief.topic, brief.related),
        personas=_personas(brief, "security_leader", "leader", "executive"),
        stage="decision",
        industries=(industry.industry,),
        body=body,
    )


def _whitepaper(brief: _TopicBrief) -> ContentAsset:
    asset_id = f"wp-{brief.slug}"
    numbers = _draw_numbers(asset_id)
    title = f"{brief.topic}: a practical guide for security leaders"
    industries = ", ".join(brief.key_industries[:-1]) + f" and {brief.key_industries[-1]}"
    body = f"""# {title}

## Summary

{brief.problem} This paper sets out where {brief.phrase} programmes stall, what mature teams do \
differently, and how to measure progress. It draws on a survey of {numbers["survey"]:,} security \
and IT leaders in {industries}.

## Where programmes stall

Three problems come up again and again: {brief.challenges[0]}, {brief.challenges[1]}, and \
{brief.challenges[2]}. In the survey, {numbers["pct"]}% of respondents named the first as their \
biggest obstacle, and only {numbers["pct2"]}% said they had a tested plan to fix it.

## A three-stage maturity model

1. **Reactive.** Auditors, customers or attackers find the problems. Work is manual and tracked \
in spreadsheets.
2. **Managed.** The team has adopted {brief.capabilities[0]}, but coverage is partial and \
reporting is still manual.
3. **Continuous.** Mature teams add {brief.capabilities[1]} and {brief.capabilities[2]}, and \
report {brief.phrase} metrics to the board every quarter.

## How to measure progress

Track three numbers every month: coverage of critical assets, time from finding to fix, and the \
share of findings closed without manual work. Leaders in the survey fixed critical findings in \
{numbers["days_after"]} days on average, against {numbers["days_before"]} days for everyone else.
"""
    return ContentAsset(
        id=asset_id,
        title=title,
        url=f"{_BASE_URL}/resources/whitepapers/{brief.slug}-guide",
        type="whitepaper",
        topics=(brief.topic, brief.related),
        personas=_personas(brief, "security_leader", "leader", "executive"),
        stage="awareness",
        industries=brief.key_industries,
        body=body,
    )


def _blog_post(brief: _TopicBrief) -> ContentAsset:
    asset_id = f"blog-{brief.slug}"
    numbers = _draw_numbers(asset_id)
    title = f"Five signs your {brief.phrase} programme needs attention"
    body = f"""# {title}

{brief.problem} Here are five signs that your own {brief.phrase} programme is falling behind, and \
what to do about each one.

## 1. {_capitalize(brief.challenges[0])}

If this sounds familiar, start with an inventory. Teams that fix this first cut their exposure \
by {numbers["pct"]}% within a quarter. The lasting fix is {brief.capabilities[0]}.

## 2. {_capitalize(brief.challenges[1])}

This one hides until an incident exposes it. The fix is {brief.capabilities[1]}.

## 3. {_capitalize(brief.challenges[2])}

Every exception adds risk that nobody measures. The fix is {brief.capabilities[2]}.

## 4. A report nobody reads

If your monthly {brief.phrase} report runs to {numbers["pages"]} pages, nobody acts on it. Pick \
three numbers, such as coverage, time to fix and open critical findings, and track them every \
month.

## 5. Tools that do not talk to each other

Every console an analyst has to open adds minutes to each investigation. In one team we worked \
with, connecting two tools saved {numbers["hours_back"]} hours a week.

## Where to start

Pick the sign that hurts most and fix that one first. Our guide, "{brief.topic}: a practical \
guide for security leaders", explains how.
"""
    return ContentAsset(
        id=asset_id,
        title=title,
        url=f"{_BASE_URL}/blog/{_slugify(title)}",
        type="blog",
        topics=(brief.topic,),
        personas=_personas(brief, "practitioner", "security_practitioner", "leader"),
        stage="awareness",
        industries=brief.key_industries,
        body=body,
    )


def _webinar(brief: _TopicBrief, industry: _IndustryBrief) -> ContentAsset:
    asset_id = f"webinar-{brief.slug}"
    numbers = _draw_numbers(asset_id)
    product = _product_of(brief.topic)
    customer = industry.customers[0]
    speaker = _SPEAKERS[int(numbers["speaker"])]
    guest = _SPEAKERS[(int(numbers["speaker"]) + 3) % len(_SPEAKERS)]
    title = f"Webinar: {brief.topic} in practice with {customer}"
    first_result = brief.results[0].format(**numbers)
    body = f"""# {title}

Join {guest}, {industry.leader_role} at {customer}, and {speaker}, Principal Solutions Engineer \
at Sentinel, for a 45-minute session on {brief.phrase} in the {industry.industry.lower()} sector. \
The recording is available on demand.

## What you will learn

- How {customer} dealt with {brief.challenges[0]}
- What {brief.capabilities[0]} looks like in a live environment
- How to build the business case, with the numbers {customer} reported
- Which mistakes to avoid in the first {numbers["months"]} months

## The headline result

{first_result} The team reached that point with {numbers["team"]} people and no outside \
consultants.

## Agenda

1. Why {brief.phrase} matters now in {industry.industry.lower()} (10 minutes)
2. Live demo of {product} (15 minutes)
3. Customer story from {customer} (10 minutes)
4. Questions and answers (10 minutes)

## Who should attend

Security leaders and engineers who own {brief.phrase}, and IT leaders planning next year's \
budget.
"""
    return ContentAsset(
        id=asset_id,
        title=title,
        url=f"{_BASE_URL}/webinars/{brief.slug}-in-practice",
        type="webinar",
        topics=(brief.topic,),
        personas=_personas(brief, "security_practitioner", "security_leader", "leader"),
        stage="consideration",
        industries=(industry.industry,),
        body=body,
    )


def _playbook(brief: _TopicBrief) -> ContentAsset:
    asset_id = f"pb-{brief.slug}"
    numbers = _draw_numbers(asset_id)
    product = _product_of(brief.topic)
    title = f"The 90-day {brief.topic} playbook"
    body = f"""# {title}

This playbook turns {brief.phrase} from a project into a routine. It is written for the \
engineers who will do the work and assumes {product} or a comparable platform.

## Days 1 to 30: see everything

- Build an inventory, because you cannot protect what you have not found. Expect to uncover \
{brief.challenges[0]}.
- Name an owner for every critical system.
- Record a baseline: open findings, time to fix and coverage.

## Days 31 to 60: fix the biggest risks

- Roll out {brief.capabilities[0]}.
- Tackle {brief.challenges[1]} for the {numbers["sites"]} most critical systems first.
- Hold a weekly 30-minute review with IT operations.

## Days 61 to 90: automate

- Add {brief.capabilities[1]}.
- Put {brief.capabilities[2]} in place so that new systems are covered from day one.
- Report progress to leadership against the baseline.

## Measures of success

Teams that follow this plan typically report a {numbers["pct"]}% drop in open critical findings \
by day 90 and cut time to fix from {numbers["days_before"]} days to {numbers["days_after"]}.
"""
    return ContentAsset(
        id=asset_id,
        title=title,
        url=f"{_BASE_URL}/resources/playbooks/{brief.slug}-90-days",
        type="playbook",
        topics=(brief.topic, brief.related),
        personas=_personas(brief, "practitioner", "security_practitioner", "leader"),
        stage="consideration",
        industries=brief.key_industries,
        body=body,
    )


def _datasheet(brief: _TopicBrief) -> ContentAsset:
    asset_id = f"ds-{brief.slug}"
    numbers = _draw_numbers(asset_id)
    product = _product_of(brief.topic)
    product_brief = _product_brief(product)
    title = f"{product} for {brief.topic}: datasheet"
    results = [line.format(**numbers) for line in brief.results[:2]]
    body = f"""# {title}

{brief.problem} {product} gives security teams {brief.capabilities[0]}, without adding another \
console to watch.

## Key capabilities

- **Coverage:** {brief.capabilities[0]}.
- **Automation:** {brief.capabilities[1]}.
- **Control:** {brief.capabilities[2]}.

## Technical specifications

- Delivery: SaaS, hosted in the US, the EU and Australia
- Integrations: {product_brief.integrations}
- Certifications: SOC 2 Type II and ISO 27001
- Data retention: {numbers["months"] * 30} days by default, longer on request
- Licensing: per {product_brief.unit} per year

## Typical results

- {results[0]}
- {results[1]}

## Get started

Most customers connect their first systems in under an hour and finish rollout in \
{numbers["weeks"]} weeks. Ask for a demo or start a free trial of {product}.
"""
    return ContentAsset(
        id=asset_id,
        title=title,
        url=f"{_BASE_URL}/resources/datasheets/{product_brief.slug}-{brief.slug}",
        type="datasheet",
        topics=(brief.topic,),
        personas=_personas(brief, "security_practitioner", "practitioner", "leader"),
        stage="consideration",
        industries=brief.key_industries,
        body=body,
    )


def _pricing_page(product: _ProductBrief) -> ContentAsset:
    asset_id = f"pricing-{product.slug}"
    numbers = _draw_numbers(asset_id)
    topics = TOPICS_BY_PRODUCT[product.product]
    topic_list = ", ".join(topics)
    title = f"{product.product} pricing"
    body = f"""# {title}

{product.product} covers {product.summary}. It is priced per {product.unit} per year and billed \
annually, with no charge for data volume.

## Plans

| Plan | Price | Best for |
|---|---|---|
| Essentials | ${product.essentials_price} per {product.unit} per year | teams starting out |
| Professional | ${product.professional_price} per {product.unit} per year | most mid-size \
companies |
| Enterprise | custom | global companies with several regions or subsidiaries |

Every plan covers these topics: {topic_list}. Professional adds automated response and \
integrations with ticketing systems. Enterprise adds a named customer success manager and a \
99.95% uptime commitment.

## Frequently asked questions

**Is there a free trial?** Yes. The 30-day trial includes every Professional feature and \
covers up to {numbers["sites"] * 10} {product.unit}s.

**Do you discount multi-year terms?** Yes, a three-year term saves {numbers["pct2"] // 3 + 5}% \
against annual pricing.

**How long does rollout take?** The median customer is fully live in {numbers["weeks"]} weeks.

**Can we buy through a marketplace?** Yes, through the AWS, Azure and Google Cloud marketplaces.
"""
    return ContentAsset(
        id=asset_id,
        title=title,
        url=f"{_BASE_URL}/pricing/{product.slug}",
        type="pricing",
        topics=topics,
        personas=("finance", "security_leader", "executive"),
        stage="decision",
        industries=(),
        body=body,
    )


def _roi_calculator(product: _ProductBrief) -> ContentAsset:
    asset_id = f"roi-{product.slug}"
    numbers = _draw_numbers(asset_id)
    topics = TOPICS_BY_PRODUCT[product.product]
    analysts = int(numbers["team"])
    hourly_cost = 85
    hours_saved = analysts * int(numbers["hours_back"]) * 46
    labour_saving = hours_saved * hourly_cost
    # Size the example so the licence costs 35% to 65% of the labour saved.
    licence_share = 0.35 + 0.3 * int(numbers["pct2"]) / 60
    units = round(labour_saving * licence_share / product.professional_price, -1)
    units = max(int(units), 10)
    licence = units * product.professional_price
    title = f"{product.product} ROI calculator"
    body = f"""# {title}

This calculator estimates the return on {product.product}, which covers {product.summary}. \
Enter your own numbers, or start from the worked example below.

## Inputs

- Number of {product.unit}s to cover
- Number of security analysts
- Fully loaded cost of an analyst hour (default ${hourly_cost})
- Hours each analyst spends each week on work that {product.product} automates
- Expected cost of one serious incident

## Worked example

A company with {units:,} {product.unit}s and {analysts} analysts, each saving \
{numbers["hours_back"]} hours a week over 46 working weeks, saves {hours_saved:,} analyst hours a \
year. At ${hourly_cost} an hour that is ${labour_saving:,} a year, against a Professional licence \
of ${licence:,}. That is before counting a single avoided incident.

## Assumptions

Time savings come from the median of {numbers["survey"]:,} customer interviews. Incident costs use \
the company's own estimate, because published averages vary by industry and by region. The \
calculator leaves out discounts and multi-year terms.
"""
    return ContentAsset(
        id=asset_id,
        title=title,
        url=f"{_BASE_URL}/tools/{product.slug}-roi-calculator",
        type="roi_calculator",
        topics=topics,
        personas=("finance", "executive", "security_leader"),
        stage="decision",
        industries=(),
        body=body,
    )


def _brief_for(topic: str) -> _TopicBrief:
    for brief in _TOPIC_BRIEFS:
        if brief.topic == topic:
            return brief
    raise KeyError(topic)


def _product_brief(product: str) -> _ProductBrief:
    for brief in _PRODUCT_BRIEFS:
        if brief.product == product:
            return brief
    raise KeyError(product)
