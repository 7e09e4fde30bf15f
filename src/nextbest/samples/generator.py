"""Generate a realistic sample data set: accounts, contacts, activities, intent and opportunities.

Every account gets a hidden propensity to buy now, partly correlated with its fit to the ideal
customer profile (industry, size, region). The propensity drives what the tables show: more
contacts engaged across more personas, recent bursts of high-value activity (pricing page views,
demo requests, trials, meetings, webinars), rising intent on the product's topics and newly
opened opportunities. Low-propensity accounts still produce noise: email opens, web visits,
intent on unrelated topics and unsubscribes. Some accounts of any propensity had a burst of
activity and intent months ago that has since faded, so recency matters.

The truth goes to truth/in_market.csv, which the scorer never reads, so tests can measure how
well a score recovers it. All row-level work is vectorised with NumPy and pyarrow.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from nextbest.scoring.contract import ACTIVITY_TYPES, OUTCOMES, TABLES

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from nextbest.samples.content import ContentAsset

# --- Vocabulary shared with the content library and the tests -----------------------------------

PRODUCTS: tuple[str, ...] = (
    "Sentinel Cloud",
    "Sentinel Access",
    "Sentinel Detect",
    "Sentinel Data",
)

TOPICS_BY_PRODUCT: dict[str, tuple[str, ...]] = {
    "Sentinel Cloud": ("Cloud Security", "Security Compliance", "Vulnerability Management"),
    "Sentinel Access": ("Zero Trust", "Identity and Access Management", "Network Security"),
    "Sentinel Detect": (
        "Endpoint Detection and Response",
        "Ransomware",
        "SIEM",
        "Threat Intelligence",
        "Email Security",
    ),
    "Sentinel Data": ("Data Loss Prevention",),
}

# Intent topics that our products address.
PRODUCT_TOPICS: tuple[str, ...] = (
    "Zero Trust",
    "Cloud Security",
    "Data Loss Prevention",
    "Identity and Access Management",
    "Endpoint Detection and Response",
    "Ransomware",
    "SIEM",
    "Security Compliance",
    "Threat Intelligence",
    "Network Security",
    "Email Security",
    "Vulnerability Management",
)

# Intent topics unrelated to our products.
UNRELATED_TOPICS: tuple[str, ...] = (
    "Payroll Software",
    "Recruiting",
    "Office Furniture",
    "Marketing Automation",
    "Sales Enablement",
    "Expense Management",
    "Fleet Management",
    "Employee Benefits",
    "Supply Chain Management",
    "Accounting Software",
    "Event Planning",
    "Corporate Travel",
    "Customer Service Software",
    "Video Conferencing",
    "Project Management",
    "E-commerce Platforms",
    "Content Management",
    "Tax Compliance",
    "Procurement",
    "Learning Management",
    "Real Estate",
    "Insurance",
    "Workforce Analytics",
    "Business Loans",
)

INTENT_TOPICS: tuple[str, ...] = PRODUCT_TOPICS + UNRELATED_TOPICS

# The intent feed's category for each topic.
TOPIC_CATEGORIES: dict[str, str] = {
    **dict.fromkeys(PRODUCT_TOPICS, "Security"),
    **dict.fromkeys(
        (
            "Payroll Software",
            "Recruiting",
            "Employee Benefits",
            "Learning Management",
            "Workforce Analytics",
        ),
        "Human Resources",
    ),
    **dict.fromkeys(
        ("Marketing Automation", "Sales Enablement", "Content Management", "Event Planning"),
        "Marketing and Sales",
    ),
    **dict.fromkeys(
        (
            "Expense Management",
            "Accounting Software",
            "Tax Compliance",
            "Business Loans",
            "Insurance",
        ),
        "Finance",
    ),
    **dict.fromkeys(
        (
            "Office Furniture",
            "Fleet Management",
            "Supply Chain Management",
            "Corporate Travel",
            "Procurement",
            "Real Estate",
        ),
        "Operations",
    ),
    **dict.fromkeys(
        (
            "Customer Service Software",
            "Video Conferencing",
            "Project Management",
            "E-commerce Platforms",
        ),
        "Business Software",
    ),
}

INDUSTRIES: tuple[str, ...] = (
    "Financial Services",
    "Healthcare",
    "Software",
    "Insurance",
    "Manufacturing",
    "Retail",
    "Telecommunications",
    "Energy",
    "Logistics",
    "Media",
    "Education",
    "Non-profit",
    "Government",
    "Hospitality",
)

# ISO 3166-1 alpha-2 country code to sales region.
REGION_BY_COUNTRY: dict[str, str] = {
    "US": "North America",
    "CA": "North America",
    "GB": "EMEA",
    "DE": "EMEA",
    "FR": "EMEA",
    "NL": "EMEA",
    "ES": "EMEA",
    "IT": "EMEA",
    "SE": "EMEA",
    "AU": "APAC",
    "IN": "APAC",
    "SG": "APAC",
    "JP": "APAC",
    "BR": "LATAM",
}
COUNTRIES: tuple[str, ...] = tuple(REGION_BY_COUNTRY)
REGIONS: tuple[str, ...] = ("North America", "EMEA", "APAC", "LATAM")

OWNERS_BY_REGION: dict[str, tuple[str, ...]] = {
    "North America": ("Jordan Blake", "Priya Raman", "Marcus Chen", "Alicia Torres", "Ben Okafor"),
    "EMEA": ("Sophie Laurent", "Lukas Weber", "Emma Clarke", "Daan de Vries"),
    "APAC": ("Kenji Sato", "Aisha Kapoor"),
    "LATAM": ("Rafael Souza",),
}

PERSONAS: tuple[str, ...] = (
    "security_leader",
    "it_leader",
    "security_practitioner",
    "it_practitioner",
    "executive",
    "finance",
    "other",
)
SENIORITIES: tuple[str, ...] = ("c_level", "vp", "director", "manager", "individual")

LEAD_SOURCES: tuple[str, ...] = (
    "Demo Request",
    "Webinar",
    "Content Syndication",
    "Paid Search",
    "Organic Search",
    "Trade Show",
    "Partner Referral",
    "Purchased List",
    "Cold Outbound",
)

CHANNELS: tuple[str, ...] = ("web", "email", "event", "phone", "social", "ads")

OPEN_STAGES: tuple[str, ...] = ("Discovery", "Evaluation", "Proposal", "Negotiation")
OPPORTUNITY_STAGES: tuple[str, ...] = (*OPEN_STAGES, "Closed Won", "Closed Lost")

FREE_MAIL_DOMAINS: tuple[str, ...] = ("gmail.com", "yahoo.com", "outlook.com")

SAMPLE_TABLES: tuple[str, ...] = ("accounts", "contacts", "activities", "intent", "opportunities")

# Share of accounts, ranked by propensity, that truth/in_market.csv marks as in market.
IN_MARKET_SHARE = 0.18

ACTIVITY_DAYS = 365
INTENT_WEEKS = 16
OPPORTUNITY_DAYS = 3 * 365

# --- Private tables that shape the data ---------------------------------------------------------


@dataclass(frozen=True)
class _IndustryProfile:
    weight: float
    # Match with the ideal customer profile, 0 to 1.
    fit: float
    revenue_per_employee: float
    nouns: tuple[str, ...]


_INDUSTRY_PROFILES: dict[str, _IndustryProfile] = {
    "Financial Services": _IndustryProfile(
        10,
        1.0,
        420_000,
        (
            "Bank",
            "Capital",
            "Financial",
            "Credit Union",
            "Securities",
            "Wealth Partners",
            "Payments",
        ),
    ),
    "Healthcare": _IndustryProfile(
        10,
        0.9,
        160_000,
        (
            "Health",
            "Medical Group",
            "Health System",
            "Clinics",
            "Care Partners",
            "Diagnostics",
            "Pharma",
        ),
    ),
    "Software": _IndustryProfile(
        11,
        0.85,
        260_000,
        ("Software", "Labs", "Systems", "Technologies", "Cloud", "Analytics", "Digital", "Data"),
    ),
    "Insurance": _IndustryProfile(
        6,
        0.9,
        450_000,
        ("Insurance", "Mutual", "Assurance", "Underwriters", "Life", "Casualty", "Insurance Group"),
    ),
    "Manufacturing": _IndustryProfile(
        12,
        0.6,
        230_000,
        (
            "Manufacturing",
            "Industries",
            "Components",
            "Machinery",
            "Metals",
            "Plastics",
            "Engineering",
        ),
    ),
    "Retail": _IndustryProfile(
        9,
        0.5,
        170_000,
        ("Retail", "Stores", "Outfitters", "Market", "Home Goods", "Apparel", "Brands"),
    ),
    "Telecommunications": _IndustryProfile(
        4,
        0.8,
        390_000,
        ("Telecom", "Communications", "Networks", "Mobile", "Broadband", "Fiber", "Wireless"),
    ),
    "Energy": _IndustryProfile(
        5,
        0.75,
        700_000,
        ("Energy", "Power", "Utilities", "Renewables", "Petroleum", "Solar", "Grid"),
    ),
    "Logistics": _IndustryProfile(
        6,
        0.5,
        210_000,
        ("Logistics", "Freight", "Shipping", "Transport", "Carriers", "Distribution", "Cargo"),
    ),
    "Media": _IndustryProfile(
        5,
        0.4,
        280_000,
        ("Media", "Studios", "Publishing", "Broadcasting", "Entertainment", "Press", "Pictures"),
    ),
    "Education": _IndustryProfile(
        7,
        0.3,
        90_000,
        (
            "University",
            "College",
            "Academy",
            "Institute of Technology",
            "School District",
            "Community College",
            "Polytechnic",
        ),
    ),
    "Non-profit": _IndustryProfile(
        4,
        0.15,
        70_000,
        ("Foundation", "Charitable Trust", "Alliance", "Relief", "Society", "Fund", "Initiative"),
    ),
    "Government": _IndustryProfile(
        5,
        0.6,
        120_000,
        (
            "County",
            "City Services",
            "Public Authority",
            "Transit Authority",
            "Water Board",
            "Revenue Agency",
            "Port Authority",
        ),
    ),
    "Hospitality": _IndustryProfile(
        6,
        0.25,
        80_000,
        ("Hotels", "Resorts", "Hospitality", "Inns", "Restaurants", "Suites", "Leisure"),
    ),
}

# Industries whose organisations carry no legal suffix in their name.
_INDUSTRIES_WITHOUT_SUFFIX = ("Education", "Non-profit", "Government")

_COUNTRY_WEIGHTS: dict[str, float] = {
    "US": 40,
    "CA": 5,
    "GB": 10,
    "DE": 7,
    "FR": 5,
    "NL": 3,
    "ES": 3,
    "IT": 3,
    "SE": 2,
    "AU": 5,
    "IN": 6,
    "SG": 3,
    "JP": 4,
    "BR": 4,
}

_LEGAL_SUFFIXES: dict[str, tuple[str, ...]] = {
    "US": ("Inc.", "LLC", "Corp.", "Co."),
    "CA": ("Inc.", "Ltd.", "Corp."),
    "GB": ("Ltd", "plc", "LLP"),
    "DE": ("GmbH", "AG", "SE"),
    "FR": ("S.A.", "SAS", "SARL"),
    "NL": ("B.V.", "N.V."),
    "ES": ("S.L.", "S.A."),
    "IT": ("S.p.A.", "S.r.l."),
    "SE": ("AB",),
    "AU": ("Pty Ltd", "Ltd"),
    "IN": ("Pvt. Ltd.", "Ltd."),
    "SG": ("Pte. Ltd.",),
    "JP": ("K.K.", "Co., Ltd."),
    "BR": ("Ltda.", "S.A."),
}

# Each country's own domain suffix, used by _COUNTRY_TLD_SHARE of its companies. The rest use .com.
_COUNTRY_TLDS: dict[str, str] = {
    "US": ".com",
    "CA": ".ca",
    "GB": ".co.uk",
    "DE": ".de",
    "FR": ".fr",
    "NL": ".nl",
    "ES": ".es",
    "IT": ".it",
    "SE": ".se",
    "AU": ".com.au",
    "IN": ".in",
    "SG": ".com.sg",
    "JP": ".co.jp",
    "BR": ".com.br",
}
_COUNTRY_TLD_SHARE = 0.7
_GOVERNMENT_TLDS = {"US": ".gov", "GB": ".gov.uk", "AU": ".gov.au"}
_EDUCATION_TLDS = {"US": ".edu", "GB": ".ac.uk", "AU": ".edu.au"}

_REGION_FIT: dict[str, float] = {"North America": 1.0, "EMEA": 0.9, "APAC": 0.7, "LATAM": 0.5}

_NAME_STEMS: tuple[str, ...] = (
    "Northwind", "Bluepeak", "Apex", "Summit", "Ironbridge", "Silverline", "Redwood", "Harborview",
    "Keystone", "Lumen", "Cobalt", "Granite", "Evergreen", "Brightwater", "Stonegate", "Clearwater",
    "Pinnacle", "Meridian", "Horizon", "Crescent", "Falcon", "Beacon", "Riverstone", "Oakridge",
    "Westfield", "Eastgate", "Highland", "Lakeshore", "Sterling", "Vantage", "Cedar", "Maple",
    "Aspen", "Juniper", "Willow", "Sequoia", "Orion", "Polaris", "Atlas", "Vertex", "Quantum",
    "Nimbus", "Zenith", "Catalyst", "Fusion", "Momentum", "Paragon", "Bluebird", "Copper", "Ember",
    "Flint", "Garnet", "Hawthorn", "Ivory", "Jasper", "Kestrel", "Larch", "Marlin", "Nova", "Onyx",
    "Pioneer", "Quarry", "Raven", "Saffron", "Tidewater", "Valor", "Wren", "Yarrow", "Alder",
    "Birch", "Crown", "Driftwood", "Fjord", "Glacier", "Heron", "Kingfisher", "Lantern", "Mosaic",
    "Northstar", "Osprey", "Prairie", "Ridgeline", "Solstice", "Thistle", "Upland", "Vista",
    "Windmill", "Amberly", "Brookfield", "Caldera", "Dunmore", "Fairhaven", "Goldcrest",
)  # fmt: skip
# Invented stems are built from these syllables, e.g. "Vel" + "ora" gives "Velora".
_STEM_HEADS: tuple[str, ...] = (
    "Vel", "Cor", "Zen", "Tri", "Nov", "Ast", "Bel", "Cal", "Dra", "Fen", "Gal", "Hal", "Jas",
    "Kel", "Lor", "Mar", "Nex", "Ori", "Pra", "Quin", "Ros", "Sol", "Tor", "Ul", "Ver", "Wex",
    "Xan", "Yor", "Zel", "Ard",
)  # fmt: skip
_STEM_TAILS: tuple[str, ...] = (
    "ana", "ix", "ora", "eon", "ent", "ica", "ara", "us", "ion", "ova", "ell", "ium", "axis",
    "yx", "ello", "isto", "anta", "ero", "ity", "unda",
)  # fmt: skip
# Inserted into a name when the stem and noun are already taken, e.g. "Apex Pacific Bank".
_NAME_QUALIFIERS: tuple[str, ...] = (
    "Pacific", "Atlantic", "Global", "National", "United", "First", "Coastal", "Continental",
    "Northern", "Southern", "Western", "Eastern", "Central", "Metro", "Alpine", "Nordic",
    "Premier", "Royal", "Advanced", "Allied", "International", "Integrated", "Regional", "Union",
)  # fmt: skip

_FIRST_NAMES: tuple[str, ...] = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Christopher", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Sandra", "Mark",
    "Ashley", "Steven", "Emily", "Andrew", "Michelle", "Joshua", "Amanda", "Kevin", "Melissa",
    "Brian", "Stephanie", "Ryan", "Rebecca", "Oliver", "Charlotte", "Harry", "Amelia", "George",
    "Sophie", "Lukas", "Anna", "Felix", "Lena", "Jonas", "Marie", "Maximilian", "Julia", "Louis",
    "Camille", "Hugo", "Chloé", "Léa", "Théo", "Daan", "Sanne", "Bram", "Fleur", "Lars", "Ingrid",
    "Erik", "Astrid", "Søren", "Björn", "Raj", "Priya", "Arjun", "Ananya", "Vikram", "Deepa",
    "Rahul", "Sneha", "Wei", "Mei", "Jun", "Hiroshi", "Yuki", "Takeshi", "Aiko", "Kenji", "Sakura",
    "João", "Ana", "Lucas", "Beatriz", "Gabriel", "Mariana", "Pedro", "Camila", "Alejandro",
    "Lucía", "Javier", "Carmen", "Marco", "Giulia", "Luca", "Francesca", "Ahmed", "Fatima", "Omar",
    "Layla", "Siobhan", "Liam", "Aoife", "Noah", "Zoë", "Matías", "Grace", "Ethan", "Chloe",
)  # fmt: skip
_LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson",
    "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young",
    "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell",
    "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "O'Brien", "O'Connor", "Murphy",
    "Kelly", "Walsh", "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
    "Becker", "Hoffmann", "Dubois", "Lefèvre", "Moreau", "Laurent", "Bernard", "Rousseau",
    "de Vries", "van den Berg", "Jansen", "Bakker", "Visser", "Andersson", "Johansson",
    "Lindqvist", "Nilsson", "Sharma", "Patel", "Gupta", "Iyer", "Reddy", "Nair", "Singh", "Mehta",
    "Wang", "Zhang", "Liu", "Chen", "Tanaka", "Suzuki", "Takahashi", "Watanabe", "Sato", "Silva",
    "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Fernández", "González", "Sánchez",
    "Romero", "Rossi", "Russo", "Bianchi", "Romano", "Colombo", "Tan", "Lim", "Ng", "Wong",
    "Kowalski", "Nowak", "Khan", "Ali", "Hassan", "Nguyen", "Kim", "Park", "Cohen", "Friedman",
)  # fmt: skip


@dataclass(frozen=True)
class _Title:
    title: str
    department: str
    seniority: str
    persona: str
    # Relative weight among all contacts, and among an in-market account's buying group.
    general_weight: float
    buying_weight: float


_TITLES: tuple[_Title, ...] = (
    _Title("Chief Information Security Officer", "Information Security", "c_level",
           "security_leader", 2, 6),
    _Title("CISO", "Information Security", "c_level", "security_leader", 1, 3),
    _Title("VP, Information Security", "Information Security", "vp", "security_leader", 1.5, 4),
    _Title("Head of Information Security", "Information Security", "director", "security_leader",
           1.5, 4),
    _Title("Director of Security Operations", "Information Security", "director",
           "security_leader", 1.5, 4),
    _Title("Director, Cyber Security", "Information Security", "director", "security_leader",
           1, 3),
    _Title("Chief Information Officer", "IT", "c_level", "it_leader", 2, 3),
    _Title("VP of IT", "IT", "vp", "it_leader", 1.5, 2.5),
    _Title("Director of IT Infrastructure", "IT", "director", "it_leader", 2, 3),
    _Title("IT Director", "IT", "director", "it_leader", 2, 3),
    _Title("Head of Cloud Platform", "IT", "director", "it_leader", 1, 2),
    _Title("Security Engineer", "Information Security", "individual", "security_practitioner",
           3, 5),
    _Title("Senior Security Engineer", "Information Security", "individual",
           "security_practitioner", 2, 4),
    _Title("SOC Analyst", "Information Security", "individual", "security_practitioner", 3, 4),
    _Title("Security Architect", "Information Security", "individual", "security_practitioner",
           1.5, 3),
    _Title("Cloud Security Engineer", "Information Security", "individual",
           "security_practitioner", 1.5, 3),
    _Title("Information Security Manager", "Information Security", "manager",
           "security_practitioner", 2, 4),
    _Title("Penetration Tester", "Information Security", "individual", "security_practitioner",
           0.7, 1),
    _Title("IT Manager", "IT", "manager", "it_practitioner", 4, 3),
    _Title("Systems Administrator", "IT", "individual", "it_practitioner", 4, 2.5),
    _Title("Network Engineer", "IT", "individual", "it_practitioner", 3, 2.5),
    _Title("IT Operations Manager", "IT", "manager", "it_practitioner", 2, 2),
    _Title("Cloud Engineer", "IT", "individual", "it_practitioner", 2, 2),
    _Title("Help Desk Technician", "IT", "individual", "it_practitioner", 2, 0.5),
    _Title("Chief Executive Officer", "Executive", "c_level", "executive", 1.5, 1),
    _Title("CEO", "Executive", "c_level", "executive", 1, 0.5),
    _Title("Chief Operating Officer", "Executive", "c_level", "executive", 1, 1),
    _Title("Chief Technology Officer", "Executive", "c_level", "executive", 1.5, 1.5),
    _Title("Managing Director", "Executive", "c_level", "executive", 1, 0.5),
    _Title("President", "Executive", "c_level", "executive", 0.7, 0.3),
    _Title("Chief Financial Officer", "Finance", "c_level", "finance", 1.5, 1.5),
    _Title("CFO", "Finance", "c_level", "finance", 0.7, 0.7),
    _Title("VP, Finance", "Finance", "vp", "finance", 1, 1),
    _Title("Financial Controller", "Finance", "manager", "finance", 1.5, 0.8),
    _Title("Procurement Manager", "Procurement", "manager", "finance", 2, 2),
    _Title("Sourcing Specialist", "Procurement", "individual", "finance", 1, 0.8),
    _Title("Marketing Coordinator", "Marketing", "individual", "other", 3, 0.3),
    _Title("Marketing Manager", "Marketing", "manager", "other", 3, 0.3),
    _Title("Student Intern", "Other", "individual", "other", 1.5, 0.1),
    _Title("HR Business Partner", "Human Resources", "manager", "other", 2, 0.2),
    _Title("Sales Operations Analyst", "Sales", "individual", "other", 2, 0.2),
    _Title("Office Manager", "Operations", "manager", "other", 2, 0.2),
    _Title("Software Engineer", "Engineering", "individual", "other", 3, 0.5),
    _Title("Account Executive", "Sales", "individual", "other", 2, 0.2),
    _Title("Consultant", "Other", "individual", "other", 1.5, 0.3),
)  # fmt: skip

# Lead-source weights for contacts in general, and for an in-market account's buying group.
_LEAD_SOURCE_WEIGHTS = np.array([4, 10, 14, 12, 15, 10, 6, 14, 15], dtype=float)
_BUYING_LEAD_SOURCE_WEIGHTS = np.array([20, 18, 8, 12, 14, 8, 10, 3, 7], dtype=float)

_PERSONA_BLANK_SHARE = 0.2
_FREE_MAIL_SHARE = 0.05
_CONTACTS_WITHOUT_ACCOUNT_SHARE = 0.08

# Expected activities per account over ACTIVITY_DAYS at activity scale 1, spread evenly: the
# background noise every account produces.
_BASE_RATES: dict[str, float] = {
    "web_visit": 13,
    "pricing_page_view": 0.5,
    "content_download": 1.2,
    "email_open": 32,
    "email_click": 4.5,
    "email_reply": 0.3,
    "webinar_registered": 0.8,
    "webinar_attended": 0.35,
    "event_attended": 0.25,
    "form_fill": 0.7,
    "demo_request": 0.06,
    "trial_signup": 0.04,
    "meeting": 0.25,
    "call": 2.5,
    "social_engagement": 2.5,
    "ad_click": 2.5,
    "unsubscribe": 0.2,
    "other": 1.0,
}
# Expected activities in one buying burst at buying intensity 1.
_BURST_RATES: dict[str, float] = {
    "web_visit": 28,
    "pricing_page_view": 7,
    "content_download": 5,
    "email_open": 18,
    "email_click": 8,
    "email_reply": 2,
    "webinar_registered": 3,
    "webinar_attended": 2.2,
    "event_attended": 0.8,
    "form_fill": 2.5,
    "demo_request": 1.6,
    "trial_signup": 0.9,
    "meeting": 4,
    "call": 4,
    "social_engagement": 2,
    "ad_click": 3,
    "unsubscribe": 0,
    "other": 1,
}

_CHANNEL_OF_TYPE: dict[str, str] = {
    "web_visit": "web",
    "pricing_page_view": "web",
    "content_download": "web",
    "email_open": "email",
    "email_click": "email",
    "email_reply": "email",
    "webinar_registered": "web",
    "webinar_attended": "event",
    "event_attended": "event",
    "form_fill": "web",
    "demo_request": "web",
    "trial_signup": "web",
    "meeting": "phone",
    "call": "phone",
    "social_engagement": "social",
    "ad_click": "ads",
    "unsubscribe": "email",
    "other": "web",
}
# Share of meetings held in person, which the activity table records on the event channel.
_IN_PERSON_MEETING_SHARE = 0.25

# Shares of the identity columns an activity row carries, per type family, in this order:
# account_id and contact_id, contact_id only, email only, domain only (a reverse-IP web visit).
_IDENTITY_SHARES: dict[str, tuple[float, float, float, float]] = {
    "web": (0.45, 0.15, 0.05, 0.35),
    "email": (0.62, 0.24, 0.14, 0.0),
    "other": (0.68, 0.2, 0.12, 0.0),
}
_WEB_TYPES = ("web_visit", "pricing_page_view", "ad_click")
_EMAIL_TYPES = ("email_open", "email_click", "email_reply", "unsubscribe")
_TYPES_WITHOUT_TOPIC = ("call", "unsubscribe", "other")
# Share of email-only and domain-only rows whose email or domain matches no account.
_ORPHAN_SHARE = 0.025
_ORPHAN_VALUES = 40

# Share of accounts that show a recent burst of activity without buying.
_BROWSER_SHARE = 0.08

_DETAIL_VARIANTS = 4
_ACTIVITY_CHUNK_ROWS = 1_000_000

_GENERIC_DETAILS: dict[str, tuple[str, ...]] = {
    "web_visit": ("/", "/about", "/careers", "/customers", "/partners", "/contact", "/blog"),
    "pricing_page_view": ("/pricing",),
    "content_download": ("Security buyer's guide", "Annual threat landscape report"),
    "email_open": ("Monthly newsletter", "Product update", "Event invitation"),
    "email_click": ("Monthly newsletter", "Product update", "Event invitation"),
    "email_reply": ("Re: Introduction", "Re: Quick question"),
    "webinar_registered": ("Ask the CISO: quarterly roundtable", "Sentinel product update"),
    "webinar_attended": ("Ask the CISO: quarterly roundtable", "Sentinel product update"),
    "event_attended": (
        "RSA Conference booth visit",
        "Black Hat USA booth visit",
        "Gartner Security & Risk Management Summit",
        "Infosecurity Europe booth visit",
        "Sentinel Roadshow London",
        "Sentinel Roadshow Chicago",
    ),
    "form_fill": ("Contact us", "Newsletter signup"),
    "demo_request": ("Demo request: Sentinel platform",),
    "trial_signup": ("Free trial: Sentinel Cloud",),
    "meeting": ("Introductory meeting", "Executive briefing"),
    "call": ("Outbound call: connected", "Outbound call: voicemail", "Inbound call"),
    "social_engagement": ("LinkedIn company page follow", "LinkedIn post like"),
    "ad_click": ("Brand search ad", "Retargeting display ad"),
    "unsubscribe": ("Unsubscribed from all marketing email", "Unsubscribed from the newsletter"),
    "other": ("Chat conversation", "Support portal login", "Community forum post"),
}

_SECONDS_PER_DAY = 86_400
_EPOCH = date(1970, 1, 1)
# 1970-01-01 was a Thursday, and date.weekday() counts Monday as 0.
_EPOCH_WEEKDAY = 3

ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SampleSummary:
    """Row and file counts of one generate_sample run."""

    out_dir: Path
    # Table name to rows written: accounts, contacts, activities, intent, opportunities.
    rows: dict[str, int]
    content_assets: int
    in_market_accounts: int


def generate_sample(
    out_dir: Path,
    accounts: int = 500,
    seed: int = 7,
    end_date: date | None = None,
    file_format: Literal["csv", "parquet"] = "csv",
    progress: ProgressCallback | None = None,
) -> SampleSummary:
    """Write a sample data set for `accounts` accounts to out_dir.

    Writes accounts, contacts, activities, intent and opportunities as out_dir/<table>.csv
    (UTF-8, header row, ISO dates, activity times as YYYY-MM-DDTHH:MM:SS) or .parquet, the
    content library to out_dir/content and the truth to out_dir/truth/in_market.csv. Every date
    falls before end_date, which defaults to today: activities over about the prior 365 days,
    intent over the prior 16 weeks and opportunities over the prior three years.

    truth/in_market.csv has one row per account: account_id, propensity (0 to 1) and in_market,
    which is 1 for the IN_MARKET_SHARE of accounts with the highest propensity (a deterministic
    cut, not a random draw) and 0 for the rest.

    The same accounts, seed, end_date and file_format give byte-identical files, as long as the
    NumPy and pyarrow versions stay the same (NumPy does not promise identical random streams
    across versions). progress, if given, is called as progress(step, done, total): step
    "generate" while tables are built in memory, then once per table as it is written.

    An earlier run's output in out_dir is overwritten, and its tables in the other format are
    deleted.

    Raises:
        ValueError: accounts is below 1, file_format is unknown, or out_dir is a file or a
            folder that contains files this function did not write.
    """
    if accounts < 1:
        raise ValueError(f"accounts must be at least 1, got {accounts}.")
    if file_format not in ("csv", "parquet"):
        raise ValueError(f"file_format must be 'csv' or 'parquet', got {file_format!r}.")
    out_dir = Path(out_dir)
    _check_out_dir(out_dir)
    end = end_date if end_date is not None else date.today()
    end_day = (end - _EPOCH).days
    report = progress if progress is not None else _ignore_progress

    account_rng, contact_rng, opportunity_rng, activity_rng, intent_rng = np.random.default_rng(
        seed
    ).spawn(5)
    report("generate", 0, len(SAMPLE_TABLES))
    account_data = _make_accounts(account_rng, accounts)
    report("generate", 1, len(SAMPLE_TABLES))
    contact_data = _make_contacts(contact_rng, account_data)
    report("generate", 2, len(SAMPLE_TABLES))
    opportunities, won_accounts = _make_opportunities(opportunity_rng, account_data, end_day)
    report("generate", 3, len(SAMPLE_TABLES))
    activity_data = _make_activities(activity_rng, account_data, contact_data, end_day)
    report("generate", 4, len(SAMPLE_TABLES))
    intent = _make_intent(intent_rng, account_data, end_day)
    contact_data.apply_activities(activity_data)
    report("generate", 5, len(SAMPLE_TABLES))

    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_other_format(out_dir, file_format)
    tables = {
        "accounts": account_data.to_table(won_accounts),
        "contacts": contact_data.to_table(account_data, end_day),
        "intent": intent,
        "opportunities": opportunities,
    }
    rows: dict[str, int] = {}
    for name in SAMPLE_TABLES:
        path = out_dir / f"{name}.{file_format}"
        if name == "activities":
            rows[name] = _write_activities(
                path, activity_data, account_data, contact_data, file_format, report
            )
        else:
            _write_table(tables[name], path, file_format)
            rows[name] = tables[name].num_rows
            report(name, rows[name], rows[name])

    (out_dir / "truth").mkdir(exist_ok=True)
    _write_table(account_data.truth_table(), out_dir / "truth" / "in_market.csv", "csv")
    report("truth", accounts, accounts)

    from nextbest.samples.content import write_content_library

    content_assets = write_content_library(out_dir)
    report("content", content_assets, content_assets)
    return SampleSummary(
        out_dir=out_dir,
        rows=rows,
        content_assets=content_assets,
        in_market_accounts=int(account_data.in_market.sum()),
    )


def _ignore_progress(step: str, done: int, total: int) -> None:
    return None


# --- The output folder --------------------------------------------------------------------------


def _generated_file_names() -> set[str]:
    return {f"{name}.{extension}" for name in SAMPLE_TABLES for extension in ("csv", "parquet")}


def _check_out_dir(out_dir: Path) -> None:
    """Raise ValueError unless out_dir is missing, empty or holds only this generator's output."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise ValueError(f"Output folder {out_dir} is a file. Choose a new or empty folder.")
    from nextbest.samples.content import build_content_assets

    generated = _generated_file_names()
    content_files = {f"{asset.id}.md" for asset in build_content_assets()}
    unexpected: list[str] = []
    for entry in sorted(out_dir.iterdir()):
        if entry.is_file() and entry.name in generated:
            continue
        if entry.is_dir() and entry.name == "truth":
            unexpected += [
                f"truth/{child.name}" for child in entry.iterdir() if child.name != "in_market.csv"
            ]
            continue
        if entry.is_dir() and entry.name == "content":
            unexpected += [
                f"content/{child.name}"
                for child in entry.iterdir()
                if not (child.is_file() and child.name in content_files)
            ]
            continue
        unexpected.append(entry.name)
    tables = sorted(entry.name for entry in out_dir.iterdir() if entry.name in generated)
    if tables and not (out_dir / "truth" / "in_market.csv").is_file():
        # Real exports are named after the tables too. Only a folder that contains the truth
        # file was written by this generator, so no other folder is ever overwritten.
        raise ValueError(
            f"Output folder {out_dir} contains {', '.join(tables[:5])} but no "
            "truth/in_market.csv, so it is not a nextbest sample. Choose a new or empty folder."
        )
    if unexpected:
        listed = ", ".join(sorted(unexpected)[:5])
        more = f" and {len(unexpected) - 5} more" if len(unexpected) > 5 else ""
        raise ValueError(
            f"Output folder {out_dir} contains files that are not nextbest sample files "
            f"({listed}{more}). Choose a new or empty folder."
        )


def _remove_other_format(out_dir: Path, file_format: str) -> None:
    """Delete tables an earlier run wrote in the other format, so one format remains."""
    other = "parquet" if file_format == "csv" else "csv"
    for name in SAMPLE_TABLES:
        (out_dir / f"{name}.{other}").unlink(missing_ok=True)


# --- Accounts -----------------------------------------------------------------------------------


@dataclass
class _Accounts:
    count: int
    ids: pa.Array
    names: pa.Array
    domains: pa.Array
    # 3 * count strings: the exact name, the name without its legal suffix and that in upper case.
    name_variants: pa.Array
    # 3 * count strings: the plain domain, with "www." and in upper case.
    domain_variants: pa.Array
    industry: np.ndarray
    country: np.ndarray
    region: np.ndarray
    employees: np.ndarray
    revenue: np.ndarray
    owner: pa.Array
    parent: np.ndarray
    fit: np.ndarray
    propensity: np.ndarray
    in_market: np.ndarray
    # Index into PRODUCTS.
    interest_product: np.ndarray
    # Multiplies every activity rate: big, busy companies produce more noise and more signal.
    activity_scale: np.ndarray
    # Length in days of the account's recent buying burst, which ends at end_date.
    burst_days: np.ndarray

    def to_table(self, won: np.ndarray) -> pa.Table:
        columns = {
            "account_id": self.ids,
            "name": self.names,
            "domain": self.domains,
            "industry": _take(_string_array(INDUSTRIES), self.industry),
            "employees": pa.array(self.employees, pa.int64()),
            "annual_revenue": pa.array(self.revenue, pa.int64()),
            "country": _take(_string_array(COUNTRIES), self.country),
            "region": _take(_string_array(REGIONS), self.region),
            "owner": self.owner,
            "is_customer": pa.array(won),
            "parent_account_id": _take(self.ids, self.parent, self.parent >= 0),
        }
        return _contract_table("accounts", columns)

    def truth_table(self) -> pa.Table:
        return pa.table(
            {
                "account_id": self.ids,
                "propensity": pa.array(np.round(self.propensity, 4)),
                "in_market": pa.array(self.in_market.astype(np.int8)),
            }
        )


def _make_accounts(rng: np.random.Generator, count: int) -> _Accounts:
    industry = _choose(rng, [_INDUSTRY_PROFILES[name].weight for name in INDUSTRIES], count)
    country = _choose(rng, [_COUNTRY_WEIGHTS[code] for code in COUNTRIES], count)
    region_of_country = np.array([REGIONS.index(REGION_BY_COUNTRY[code]) for code in COUNTRIES])
    region = region_of_country[country]
    employees = np.clip(np.rint(rng.lognormal(np.log(220), 1.45, count)), 5, 250_000)
    employees = employees.astype(np.int64)
    revenue_per_employee = np.array(
        [_INDUSTRY_PROFILES[name].revenue_per_employee for name in INDUSTRIES]
    )
    revenue = employees * revenue_per_employee[industry] * rng.lognormal(0.0, 0.35, count)
    revenue = (np.rint(revenue / 1000) * 1000).astype(np.int64)

    fit = _icp_fit(industry, employees, region)
    propensity = _draw_propensity(rng, fit)
    in_market_count = round(IN_MARKET_SHARE * count)
    in_market = np.zeros(count, dtype=bool)
    in_market[np.argsort(-propensity, kind="stable")[:in_market_count]] = True

    names, cores, domains = _make_names(rng, industry, country)
    ids = _format_ids("ACC-", np.arange(1, count + 1), 6)
    upper_cores = pc.utf8_upper(cores)
    name_variants = pa.concat_arrays([names, cores, upper_cores])
    domain_variants = pa.concat_arrays(
        [domains, pc.binary_join_element_wise("www.", domains, ""), pc.utf8_upper(domains)]
    )

    activity_scale = rng.lognormal(0.0, 0.45, count) * (employees / 220.0) ** 0.12
    activity_scale /= activity_scale.mean()
    owner = _assign_owners(rng, region)
    parent = _assign_parents(rng, employees)
    # The product whose topics the account researches when it is buying.
    interest_product = _choose(rng, [0.25, 0.25, 0.35, 0.15], count)
    burst_days = rng.uniform(14, 70, count)
    return _Accounts(
        count=count,
        ids=ids,
        names=names,
        domains=domains,
        name_variants=name_variants,
        domain_variants=domain_variants,
        industry=industry,
        country=country,
        region=region,
        employees=employees,
        revenue=revenue,
        owner=owner,
        parent=parent,
        fit=fit,
        propensity=propensity,
        in_market=in_market,
        interest_product=interest_product,
        activity_scale=activity_scale,
        burst_days=burst_days,
    )


def _icp_fit(industry: np.ndarray, employees: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Score each account's match with the ideal customer profile, 0 to 1."""
    industry_fit = np.array([_INDUSTRY_PROFILES[name].fit for name in INDUSTRIES])[industry]
    # Peaks at about 2,500 employees and falls below 0.4 under about 350 or over about 18,000.
    size_fit = np.exp(-(((np.log10(employees) - 3.4) / 0.9) ** 2))
    region_fit = np.array([_REGION_FIT[name] for name in REGIONS])[region]
    return 0.5 * industry_fit + 0.35 * size_fit + 0.15 * region_fit


def _draw_propensity(rng: np.random.Generator, fit: np.ndarray) -> np.ndarray:
    """Draw each account's hidden propensity to buy now, 0 to 1.

    The values follow a mixture of two beta distributions: about 20% from Beta(3.5, 3), centred
    near 0.54, and the rest from Beta(1.3, 6), centred near 0.18. A Gaussian copula assigns them
    so that their rank correlation with fit is about 0.45.
    """
    count = len(fit)
    buying = rng.random(count) < 0.2
    draws = np.where(buying, rng.beta(3.5, 3.0, count), rng.beta(1.3, 6.0, count))
    fit_z = (fit - fit.mean()) / (fit.std() + 1e-9)
    latent = 0.47 * fit_z + np.sqrt(1 - 0.47**2) * rng.standard_normal(count)
    propensity = np.empty(count)
    propensity[np.argsort(latent, kind="stable")] = np.sort(draws)
    return propensity


def _buying_intensity(propensity: np.ndarray) -> np.ndarray:
    """Map propensity to the strength of buying behaviour: about 1 at 0.6, 0.1 at 0.2."""
    return (propensity / 0.6) ** 2


def _make_names(
    rng: np.random.Generator, industry: np.ndarray, country: np.ndarray
) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Build unique company names, the names without legal suffix, and unique domains."""
    count = len(industry)
    invented = [head + tail for head in _STEM_HEADS for tail in _STEM_TAILS]
    stems = list(dict.fromkeys([*_NAME_STEMS, *invented]))
    stem_index = rng.integers(0, len(stems), count)

    nouns = [noun for name in INDUSTRIES for noun in _INDUSTRY_PROFILES[name].nouns]
    noun_counts = np.array([len(_INDUSTRY_PROFILES[name].nouns) for name in INDUSTRIES])
    noun_starts = np.cumsum(noun_counts) - noun_counts
    noun_index = noun_starts[industry] + (rng.random(count) * noun_counts[industry]).astype(int)

    # The first account with a stem and noun gets the plain name. Later ones get a qualifier
    # ("Apex Pacific Bank"), and past the qualifier list a number as well.
    key = stem_index * len(nouns) + noun_index
    repeat = pd.Series(key).groupby(key).cumcount().to_numpy()
    qualifier_index = np.where(repeat > 0, (repeat - 1) % len(_NAME_QUALIFIERS) + 1, 0)
    round_index = np.where(repeat > 0, (repeat - 1) // len(_NAME_QUALIFIERS), 0)
    qualifiers = [""] + [f"{word} " for word in _NAME_QUALIFIERS]
    rounds = [""] + [f" {number + 1}" for number in range(1, int(round_index.max()) + 1)]

    core = pc.binary_join_element_wise(
        _take(_string_array(stems), stem_index),
        " ",
        _take(_string_array(qualifiers), qualifier_index),
        _take(_string_array(nouns), noun_index),
        _take(_string_array(rounds), round_index),
        "",
    )
    suffix_table, suffix_index = _legal_suffixes(rng, industry, country)
    names = pc.binary_join_element_wise(core, _take(_string_array(suffix_table), suffix_index), "")

    label = pc.binary_join_element_wise(
        _take(_string_array([_slug(stem) for stem in stems]), stem_index),
        _take(_string_array([_slug(word) for word in qualifiers]), qualifier_index),
        _take(_string_array([_slug(noun) for noun in nouns]), noun_index),
        _take(_string_array([_slug(number) for number in rounds]), round_index),
        "",
    )
    tld_table, tld_index = _top_level_domains(rng, industry, country)
    tlds = _take(_string_array(tld_table), tld_index)
    # Different stems can still spell the same label, so later ones get a number.
    domain = pc.binary_join_element_wise(label, tlds, "")
    domain_series = pd.Series(domain.to_numpy(zero_copy_only=False))
    repeat = domain_series.groupby(domain_series).cumcount()
    repeat_suffix = [""] + [f"-{number + 1}" for number in range(1, int(repeat.max()) + 1)]
    domains = pc.binary_join_element_wise(
        label, _take(_string_array(repeat_suffix), repeat.to_numpy()), tlds, ""
    )
    return names, core, domains


def _legal_suffixes(
    rng: np.random.Generator, industry: np.ndarray, country: np.ndarray
) -> tuple[list[str], np.ndarray]:
    table = [""]
    starts, counts = [], []
    for code in COUNTRIES:
        starts.append(len(table))
        counts.append(len(_LEGAL_SUFFIXES[code]))
        table += [f" {suffix}" for suffix in _LEGAL_SUFFIXES[code]]
    starts_array, counts_array = np.array(starts), np.array(counts)
    index = starts_array[country] + (rng.random(len(country)) * counts_array[country]).astype(int)
    no_suffix = np.isin(industry, [INDUSTRIES.index(name) for name in _INDUSTRIES_WITHOUT_SUFFIX])
    return table, np.where(no_suffix, 0, index)


def _top_level_domains(
    rng: np.random.Generator, industry: np.ndarray, country: np.ndarray
) -> tuple[list[str], np.ndarray]:
    table = [".com", ".io", ".org"]
    table += sorted(
        {*_COUNTRY_TLDS.values(), *_GOVERNMENT_TLDS.values(), *_EDUCATION_TLDS.values()} - {".com"}
    )
    country_tld = np.array([table.index(_COUNTRY_TLDS[code]) for code in COUNTRIES])[country]
    draw = rng.random(len(country))
    index = np.where(draw < _COUNTRY_TLD_SHARE, country_tld, 0)
    software = industry == INDUSTRIES.index("Software")
    index = np.where(software & (draw > 0.75), table.index(".io"), index)
    index = np.where(industry == INDUSTRIES.index("Non-profit"), table.index(".org"), index)
    for overrides, sector in ((_GOVERNMENT_TLDS, "Government"), (_EDUCATION_TLDS, "Education")):
        for code, tld in overrides.items():
            in_sector = (industry == INDUSTRIES.index(sector)) & (country == COUNTRIES.index(code))
            index = np.where(in_sector, table.index(tld), index)
    return table, index


def _assign_owners(rng: np.random.Generator, region: np.ndarray) -> pa.Array:
    """Give each account a rep from its region, leaving about 4% unassigned (null)."""
    table: list[str] = []
    starts, counts = [], []
    for name in REGIONS:
        starts.append(len(table))
        counts.append(len(OWNERS_BY_REGION[name]))
        table += OWNERS_BY_REGION[name]
    starts_array, counts_array = np.array(starts), np.array(counts)
    index = starts_array[region] + (rng.random(len(region)) * counts_array[region]).astype(int)
    assigned = rng.random(len(region)) >= 0.04
    return _take(_string_array(table), index, assigned)


def _assign_parents(rng: np.random.Generator, employees: np.ndarray) -> np.ndarray:
    """Point about 2% of accounts at a parent among the largest fifth, and the rest at -1."""
    count = len(employees)
    parent = np.full(count, -1, dtype=np.int64)
    large = np.flatnonzero(employees >= np.quantile(employees, 0.8))
    small = np.flatnonzero(employees < np.quantile(employees, 0.8))
    if len(large) == 0 or len(small) == 0:
        return parent
    children = small[rng.random(len(small)) < 0.02 * count / len(small)]
    parent[children] = large[rng.integers(0, len(large), len(children))]
    return parent


# --- Contacts -----------------------------------------------------------------------------------


@dataclass
class _Contacts:
    count: int
    ids: pa.Array
    account: np.ndarray
    # Row of each account's first contact. An account's contacts are consecutive rows.
    first_row: np.ndarray
    per_account: np.ndarray
    # How many of an account's first contacts form its engaged buying group.
    engaged: np.ndarray
    emails: pa.Array
    first_name: np.ndarray
    last_name: np.ndarray
    title: np.ndarray
    persona_known: np.ndarray
    lead_source: np.ndarray
    has_account_id: np.ndarray
    company_variant: np.ndarray
    # Days before end_date, moved back by apply_activities so no contact is created after it acts.
    created_days_ago: np.ndarray
    unsubscribed: np.ndarray
    converted: np.ndarray

    def apply_activities(self, activities: _Activities) -> None:
        """Move creation dates back to each contact's first activity and apply unsubscribes."""
        with_contact = (activities.mode <= _MODE_EMAIL) & ~activities.orphan
        contact = activities.contact[with_contact]
        earliest = np.zeros(self.count, dtype=np.int32)
        np.maximum.at(earliest, contact, activities.days_ago[with_contact])
        self.created_days_ago = np.maximum(self.created_days_ago, earliest)
        unsubscribe = ACTIVITY_TYPES.index("unsubscribe")
        self.unsubscribed[contact[activities.type[with_contact] == unsubscribe]] = True

    def to_table(self, accounts: _Accounts, end_day: int) -> pa.Table:
        persona = np.array([PERSONAS.index(title.persona) for title in _TITLES])[self.title]
        columns = {
            "contact_id": self.ids,
            "account_id": _take(accounts.ids, self.account, self.has_account_id),
            "company": _take(
                accounts.name_variants, self.company_variant * accounts.count + self.account
            ),
            "email": self.emails,
            # 555 numbers are reserved for fiction; derived from the row so no random draw moves.
            "phone": pa.array([f"+1 555 {index % 10_000:04d}" for index in range(self.count)]),
            "first_name": _take(_string_array(_FIRST_NAMES), self.first_name),
            "last_name": _take(_string_array(_LAST_NAMES), self.last_name),
            "title": _take(_string_array([title.title for title in _TITLES]), self.title),
            "department": _take(_string_array([title.department for title in _TITLES]), self.title),
            "seniority": _take(_string_array([title.seniority for title in _TITLES]), self.title),
            "persona": _take(_string_array(PERSONAS), persona, self.persona_known),
            "lead_source": _take(_string_array(LEAD_SOURCES), self.lead_source),
            "created_at": _dates(end_day - self.created_days_ago),
            "unsubscribed": pa.array(self.unsubscribed),
            "converted": pa.array(self.converted),
        }
        return _contract_table("contacts", columns)


def _make_contacts(rng: np.random.Generator, accounts: _Accounts) -> _Contacts:
    propensity = accounts.propensity
    size = np.log10(accounts.employees)
    per_account = np.clip(2 + rng.poisson(0.6 + 0.9 * size + 4.0 * propensity), 2, 15)
    count = int(per_account.sum())
    account = np.repeat(np.arange(accounts.count), per_account)
    first_row = np.cumsum(per_account) - per_account
    position = np.arange(count) - first_row[account]
    engaged_share = np.clip(0.05 + 0.9 * propensity, 0.0, 1.0)
    engaged = 1 + rng.binomial(per_account - 1, engaged_share)
    in_buying_group = position < engaged[account]
    contact_propensity = propensity[account]

    # Buying-group members of in-market accounts lean towards security and IT roles.
    leans_to_buyers = rng.random(count) < np.where(
        in_buying_group, 0.2 + 0.7 * contact_propensity, 0.15
    )
    general_title = _choose(rng, [title.general_weight for title in _TITLES], count)
    buying_title = _choose(rng, [title.buying_weight for title in _TITLES], count)
    title = np.where(leans_to_buyers, buying_title, general_title)
    general_source = _choose(rng, _LEAD_SOURCE_WEIGHTS, count)
    buying_source = _choose(rng, _BUYING_LEAD_SOURCE_WEIGHTS, count)
    lead_source = np.where(leans_to_buyers, buying_source, general_source)

    first_name = rng.integers(0, len(_FIRST_NAMES), count)
    last_name = rng.integers(0, len(_LAST_NAMES), count)
    emails = _make_emails(rng, accounts, account, first_name, last_name)
    persona_known = rng.random(count) >= _PERSONA_BLANK_SHARE
    has_account_id = rng.random(count) >= _CONTACTS_WITHOUT_ACCOUNT_SHARE
    # 15% of contacts carry the company name without its legal suffix.
    company_variant = np.where(rng.random(count) < 0.15, 1, 0)
    created_days_ago = rng.integers(1, OPPORTUNITY_DAYS + 1, count).astype(np.int32)
    unsubscribed = rng.random(count) < 0.015 + 0.04 * (1 - contact_propensity)
    converted = rng.random(count) < 0.01 + 0.3 * contact_propensity * in_buying_group

    return _Contacts(
        count=count,
        ids=_format_ids("C-", np.arange(1, count + 1), 7),
        account=account,
        first_row=first_row,
        per_account=per_account,
        engaged=engaged,
        emails=emails,
        first_name=first_name,
        last_name=last_name,
        title=title,
        persona_known=persona_known,
        lead_source=lead_source,
        has_account_id=has_account_id,
        company_variant=company_variant,
        created_days_ago=created_days_ago,
        unsubscribed=unsubscribed,
        converted=converted,
    )


def _make_emails(
    rng: np.random.Generator,
    accounts: _Accounts,
    account: np.ndarray,
    first_name: np.ndarray,
    last_name: np.ndarray,
) -> pa.Array:
    """Build work emails in each account's own pattern; about 5% use a free-mail domain."""
    count = len(account)
    first = _take(_string_array([_slug(name) for name in _FIRST_NAMES]), first_name)
    last = _take(_string_array([_slug(name) for name in _LAST_NAMES]), last_name)
    first_initial = pc.utf8_slice_codeunits(first, 0, 1)
    last_initial = pc.utf8_slice_codeunits(last, 0, 1)
    # Patterns: first.last, flast, first_last, firstl.
    pattern = _choose(rng, [0.5, 0.25, 0.12, 0.13], accounts.count)[account]
    work_local = pc.choose(
        pa.array(pattern.astype(np.int8)),
        pc.binary_join_element_wise(first, last, "."),
        pc.binary_join_element_wise(first_initial, last, ""),
        pc.binary_join_element_wise(first, last, "_"),
        pc.binary_join_element_wise(first, last_initial, ""),
    )
    digits = pc.cast(pa.array(rng.integers(10, 100, count)), pa.string())
    free_local = pc.binary_join_element_wise(first, ".", last, digits, "")
    free_domain = _take(_string_array(FREE_MAIL_DOMAINS), rng.integers(0, 3, count))

    free = pa.array(rng.random(count) < _FREE_MAIL_SHARE)
    local = pc.if_else(free, free_local, work_local)
    domain = pc.if_else(free, free_domain, _take(accounts.domains, account))
    return pc.binary_join_element_wise(local, domain, "@")


# --- Opportunities ------------------------------------------------------------------------------


def _make_opportunities(
    rng: np.random.Generator, accounts: _Accounts, end_day: int
) -> tuple[pa.Table, np.ndarray]:
    """Build opportunities and return them with a per-account flag for a past win.

    Past opportunities were created up to three years ago, and wins cluster in in-market and
    well-fitting accounts. Accounts with a high propensity also get an opportunity opened in the
    last 80 days, and a few accounts carry an old opportunity that was never closed.
    """
    fit, propensity = accounts.fit, accounts.propensity

    past_counts = rng.poisson(0.05 + 0.3 * fit + 0.45 * propensity)
    past_account = np.repeat(np.arange(accounts.count), past_counts)
    past_created = rng.integers(30, OPPORTUNITY_DAYS + 1, len(past_account))
    cycle = np.rint(15 + rng.gamma(2.0, 35.0, len(past_account))).astype(np.int64)
    past_closed = past_created - cycle
    win_probability = 1 / (
        1 + np.exp(-(-4.2 + 2.5 * fit[past_account] + 4.5 * propensity[past_account]))
    )
    past_won = rng.random(len(past_account)) < win_probability

    recent_account = np.flatnonzero(
        rng.random(accounts.count) < np.clip(1.6 * propensity - 0.4, 0.0, 0.75)
    )
    recent_created = rng.integers(2, 81, len(recent_account))
    stale_account = np.flatnonzero(rng.random(accounts.count) < 0.03)
    stale_created = rng.integers(150, 701, len(stale_account))

    account = np.concatenate([past_account, recent_account, stale_account])
    created = np.concatenate([past_created, recent_created, stale_created])
    closed = np.concatenate(
        [past_closed, np.zeros(len(recent_account) + len(stale_account), dtype=np.int64)]
    )
    is_open = closed < 1
    won = np.concatenate([past_won, np.zeros(len(recent_account) + len(stale_account), bool)])
    won &= ~is_open
    stale = np.zeros(len(account), dtype=bool)
    stale[len(account) - len(stale_account) :] = True

    # Opportunities left open for months stay stuck in Discovery or Evaluation.
    stage = np.where(stale, rng.integers(0, 2, len(account)), _open_stage(created))
    closed_stage = np.where(
        won, OPPORTUNITY_STAGES.index("Closed Won"), OPPORTUNITY_STAGES.index("Closed Lost")
    )
    stage = np.where(is_open, stage, closed_stage)
    outcome = np.where(
        is_open,
        OUTCOMES.index("open"),
        np.where(won, OUTCOMES.index("won"), OUTCOMES.index("lost")),
    )

    recent = np.zeros(len(account), dtype=bool)
    recent[len(past_account) : len(past_account) + len(recent_account)] = True
    product = np.where(
        rng.random(len(account)) < 0.65,
        accounts.interest_product[account],
        rng.integers(0, len(PRODUCTS), len(account)),
    )
    lead_source = np.where(
        recent,
        _choose(rng, _BUYING_LEAD_SOURCE_WEIGHTS, len(account)),
        _choose(rng, _LEAD_SOURCE_WEIGHTS, len(account)),
    )
    size = (accounts.employees[account] / 500.0) ** 0.35
    amount = np.rint(rng.lognormal(np.log(30_000), 0.6, len(account)) * size / 100) * 100
    amount = np.maximum(amount, 1_000).astype(np.int64)

    order = np.lexsort((account, -created))
    account, created, closed = account[order], created[order], closed[order]
    is_open, stage, outcome = is_open[order], stage[order], outcome[order]
    count = len(account)
    columns = {
        "opportunity_id": _format_ids("OPP-", np.arange(1, count + 1), 5),
        "account_id": _take(accounts.ids, account),
        "created_at": _dates(end_day - created),
        "outcome": _take(_string_array(OUTCOMES), outcome),
        "closed_at": _take(_dates(end_day - np.maximum(closed, 1)), np.arange(count), ~is_open),
        "amount": pa.array(amount[order], pa.int64()),
        "stage": _take(_string_array(OPPORTUNITY_STAGES), stage),
        "product": _take(_string_array(PRODUCTS), product[order]),
        "lead_source": _take(_string_array(LEAD_SOURCES), lead_source[order]),
    }
    won_accounts = np.zeros(accounts.count, dtype=bool)
    won_accounts[account[outcome == OUTCOMES.index("won")]] = True
    return _contract_table("opportunities", columns), won_accounts


def _open_stage(age_days: np.ndarray) -> np.ndarray:
    """Index into OPEN_STAGES for an open opportunity of the given age."""
    return np.searchsorted(np.array([21, 45, 75]), age_days, side="right")


# --- Activities ---------------------------------------------------------------------------------

_MODE_ACCOUNT_AND_CONTACT, _MODE_CONTACT, _MODE_EMAIL, _MODE_DOMAIN = range(4)
_KIND_BASE, _KIND_BURST, _KIND_STALE = range(3)
_NO_TOPIC = len(PRODUCT_TOPICS)
# Domain spellings for domain-only rows: plain, "www.", upper case, full URL with the page path.
_DOMAIN_VARIANT_SHARES = (0.6, 0.12, 0.12, 0.16)
_DOMAIN_URL = 3


@dataclass
class _Activities:
    account: np.ndarray
    type: np.ndarray
    days_ago: np.ndarray
    # Seconds since the Unix epoch, sorted ascending.
    timestamp: np.ndarray
    contact: np.ndarray
    mode: np.ndarray
    orphan: np.ndarray
    orphan_index: np.ndarray
    topic: np.ndarray
    detail: np.ndarray
    details: pa.Array
    channel: np.ndarray
    company_variant: np.ndarray
    domain_variant: np.ndarray

    def __len__(self) -> int:
        return len(self.account)


def _make_activities(
    rng: np.random.Generator, accounts: _Accounts, contacts: _Contacts, end_day: int
) -> _Activities:
    """Draw every activity row as numbers, sorted by time. _activity_batch builds the strings."""
    kind, activity_type, account, stale_start = _draw_activity_rows(rng, accounts)
    days_ago, timestamp = _activity_times(rng, kind, account, accounts, stale_start, end_day)
    contact = _activity_contacts(rng, kind, account, contacts)
    rows = len(account)

    mode = _identity_modes(rng, activity_type)
    orphan = (mode >= _MODE_EMAIL) & (rng.random(rows) < _ORPHAN_SHARE)
    topic = _activity_topics(rng, kind, activity_type, account, accounts)
    details, detail_table = _activity_vocabulary()
    variant = rng.integers(0, _DETAIL_VARIANTS, rows)
    detail = detail_table[activity_type, topic, variant]

    channel = np.array([CHANNELS.index(_CHANNEL_OF_TYPE[name]) for name in ACTIVITY_TYPES])
    channel = channel[activity_type].astype(np.int8)
    in_person = (activity_type == ACTIVITY_TYPES.index("meeting")) & (
        rng.random(rows) < _IN_PERSON_MEETING_SHARE
    )
    channel[in_person] = CHANNELS.index("event")

    # Form data on about half of the email-only rows carries a company name.
    company_variant = np.where(
        (mode == _MODE_EMAIL) & ~orphan & (rng.random(rows) < 0.5), rng.integers(0, 3, rows), -1
    ).astype(np.int8)
    domain_variant = _choose(rng, _DOMAIN_VARIANT_SHARES, rows).astype(np.int8)
    orphan_index = rng.integers(0, _ORPHAN_VALUES, rows).astype(np.int16)

    order = np.argsort(timestamp, kind="stable")
    return _Activities(
        account=account[order],
        type=activity_type[order],
        days_ago=days_ago[order],
        timestamp=timestamp[order],
        contact=contact[order],
        mode=mode[order],
        orphan=orphan[order],
        orphan_index=orphan_index[order],
        topic=topic[order],
        detail=detail[order],
        details=details,
        channel=channel[order],
        company_variant=company_variant[order],
        domain_variant=domain_variant[order],
    )


def _draw_activity_rows(
    rng: np.random.Generator, accounts: _Accounts
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Draw how many activities of each kind and type every account has.

    Returns each row's kind (_KIND_BASE, _KIND_BURST or _KIND_STALE), type index and account,
    and each account's day (before end_date) when its faded burst started.
    """
    type_count = len(ACTIVITY_TYPES)
    propensity = accounts.propensity
    scale = accounts.activity_scale
    stale_strength = np.where(
        rng.random(accounts.count) < 0.12, rng.uniform(0.3, 0.9, accounts.count), 0.0
    )
    stale_start = rng.uniform(120, 320, accounts.count)

    base = np.array([_BASE_RATES[name] for name in ACTIVITY_TYPES])[:, None] * scale
    unsubscribe = ACTIVITY_TYPES.index("unsubscribe")
    base[unsubscribe] *= 1.6 - propensity
    burst_rates = np.array([_BURST_RATES[name] for name in ACTIVITY_TYPES])[:, None]
    # Buying accounts differ in how much of their research reaches us, and a few accounts that
    # are not buying (students, consultants, competitors) browse like buyers for a while.
    responsiveness = rng.lognormal(-0.405, 0.9, accounts.count)
    browsing = np.where(
        rng.random(accounts.count) < _BROWSER_SHARE, rng.uniform(0.25, 0.8, accounts.count), 0.0
    )
    burst = burst_rates * scale * (_buying_intensity(propensity) * responsiveness + browsing)
    stale = burst_rates * scale * stale_strength

    # One Poisson draw for the whole (kind * type, account) matrix, then one row per event.
    counts = rng.poisson(np.concatenate([base, burst, stale]))
    cell = np.repeat(np.arange(counts.size), counts.ravel())
    group, account = np.divmod(cell, accounts.count)
    kind = (group // type_count).astype(np.int8)
    activity_type = (group % type_count).astype(np.int8)
    return kind, activity_type, account.astype(np.int32), stale_start


def _activity_times(
    rng: np.random.Generator,
    kind: np.ndarray,
    account: np.ndarray,
    accounts: _Accounts,
    stale_start: np.ndarray,
    end_day: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's whole days before end_date and its time in seconds since the epoch."""
    rows = len(kind)
    days_ago = _activity_days_ago(rng, kind, account, accounts, stale_start)
    weekday = (end_day - days_ago + _EPOCH_WEEKDAY) % 7
    # Most weekend activity is moved back to the Friday before.
    weekend = (weekday >= 5) & (rng.random(rows) < 0.8)
    days_ago = np.where(weekend, days_ago + weekday - 4, days_ago).astype(np.int32)
    hour = np.clip(rng.normal(13.0, 2.8, rows), 0.0, 23.999)
    timestamp = (end_day - days_ago).astype(np.int64) * _SECONDS_PER_DAY
    timestamp += (hour * 3600).astype(np.int64)
    return days_ago, timestamp


def _activity_contacts(
    rng: np.random.Generator, kind: np.ndarray, account: np.ndarray, contacts: _Contacts
) -> np.ndarray:
    """Pick the contact behind each row.

    Burst and faded-burst rows come from the account's buying group. Noise rows lean towards
    its first contacts, the regular newsletter readers.
    """
    from_group = kind != _KIND_BASE
    pool = np.where(from_group, contacts.engaged[account], contacts.per_account[account])
    draw = rng.random(len(kind))
    position = (np.where(from_group, draw, draw**2) * pool).astype(np.int32)
    return (contacts.first_row[account] + position).astype(np.int32)


def _activity_days_ago(
    rng: np.random.Generator,
    kind: np.ndarray,
    account: np.ndarray,
    accounts: _Accounts,
    stale_start: np.ndarray,
) -> np.ndarray:
    """Draw whole days before end_date: noise spread over the year, bursts recent, stale old."""
    draw = rng.random(len(kind))
    days = np.where(kind == _KIND_BASE, draw * ACTIVITY_DAYS, 0.0)
    # u ** 0.8 leans a burst towards its recent end, so activity is rising.
    days = np.where(kind == _KIND_BURST, draw**0.8 * accounts.burst_days[account], days)
    days = np.where(kind == _KIND_STALE, stale_start[account] + draw * 45, days)
    return np.clip(1 + days.astype(np.int32), 1, ACTIVITY_DAYS).astype(np.int32)


def _identity_modes(rng: np.random.Generator, activity_type: np.ndarray) -> np.ndarray:
    family = np.full(len(ACTIVITY_TYPES), 2, dtype=np.int8)
    family[[ACTIVITY_TYPES.index(name) for name in _WEB_TYPES]] = 0
    family[[ACTIVITY_TYPES.index(name) for name in _EMAIL_TYPES]] = 1
    cumulative = np.cumsum([_IDENTITY_SHARES[name] for name in ("web", "email", "other")], axis=1)
    row_family = family[activity_type]
    draw = rng.random(len(activity_type))
    mode = np.zeros(len(activity_type), dtype=np.int8)
    for boundary in range(cumulative.shape[1] - 1):
        mode += draw >= cumulative[row_family, boundary]
    return mode


def _activity_topics(
    rng: np.random.Generator,
    kind: np.ndarray,
    activity_type: np.ndarray,
    account: np.ndarray,
    accounts: _Accounts,
) -> np.ndarray:
    """Pick each row's product topic, or _NO_TOPIC.

    Burst rows mostly follow the account's product of interest. Noise rows are spread over all
    topics or have none.
    """
    rows = len(kind)
    any_topic = rng.integers(0, len(PRODUCT_TOPICS), rows)
    interest_topic = _interest_topics(rng, accounts.interest_product[account])
    topic = np.where(rng.random(rows) < 0.5, any_topic, _NO_TOPIC)
    topic = np.where((kind == _KIND_BURST) & (rng.random(rows) < 0.75), interest_topic, topic)
    topic = np.where((kind != _KIND_BASE) & (topic == _NO_TOPIC), any_topic, topic)
    without_topic = np.isin(
        activity_type, [ACTIVITY_TYPES.index(name) for name in _TYPES_WITHOUT_TOPIC]
    )
    return np.where(without_topic, _NO_TOPIC, topic).astype(np.int8)


def _interest_topics(rng: np.random.Generator, product: np.ndarray) -> np.ndarray:
    """Pick one of each product's topics, as an index into PRODUCT_TOPICS."""
    widest = max(len(topics) for topics in TOPICS_BY_PRODUCT.values())
    table = np.array(
        [
            [PRODUCT_TOPICS.index(topics[slot % len(topics)]) for slot in range(widest)]
            for topics in (TOPICS_BY_PRODUCT[name] for name in PRODUCTS)
        ]
    )
    sizes = np.array([len(TOPICS_BY_PRODUCT[name]) for name in PRODUCTS])
    slot = (rng.random(len(product)) * sizes[product]).astype(int)
    return table[product, slot]


def _activity_vocabulary() -> tuple[pa.Array, np.ndarray]:
    """Build the activity detail strings and a [type, topic, variant] table of indices into them.

    The topic axis has one slot per product topic and a last slot, _NO_TOPIC, for rows without
    one. Content downloads and webinars name real assets from the content library.
    """
    from nextbest.samples.content import build_content_assets

    assets = build_content_assets()
    texts: list[str] = []
    positions: dict[str, int] = {}
    table = np.zeros((len(ACTIVITY_TYPES), _NO_TOPIC + 1, _DETAIL_VARIANTS), dtype=np.int16)
    for type_index, activity_type in enumerate(ACTIVITY_TYPES):
        for slot in range(_NO_TOPIC + 1):
            topic = PRODUCT_TOPICS[slot] if slot < _NO_TOPIC else None
            options = _detail_options(activity_type, topic, assets)
            for variant in range(_DETAIL_VARIANTS):
                text = options[variant % len(options)]
                if text not in positions:
                    positions[text] = len(texts)
                    texts.append(text)
                table[type_index, slot, variant] = positions[text]
    return _string_array(texts), table


def _detail_options(
    activity_type: str, topic: str | None, assets: tuple[ContentAsset, ...]
) -> list[str]:
    if topic is None or activity_type in _TYPES_WITHOUT_TOPIC:
        return list(_GENERIC_DETAILS[activity_type])
    product = next(name for name in PRODUCTS if topic in TOPICS_BY_PRODUCT[name])
    about_topic = [asset for asset in assets if asset.topics[0] == topic]
    downloads = [
        asset.title
        for asset in about_topic
        if asset.type in ("whitepaper", "case_study", "playbook", "datasheet")
    ]
    pages = [urlsplit(asset.url).path for asset in about_topic]
    webinars = [asset.title for asset in about_topic if asset.type == "webinar"]
    live_demo = f"Live demo: {product} for {topic}"
    match activity_type:
        case "web_visit":
            return [f"/solutions/{_slug(topic, '-')}", *pages]
        case "pricing_page_view":
            return [f"/pricing/{_slug(product, '-')}", "/pricing"]
        case "content_download":
            return downloads
        case "email_open" | "email_click":
            return [f"Nurture: {topic} ({step} of 4)" for step in range(1, 5)]
        case "email_reply":
            return [f"Re: {topic} follow-up"]
        case "webinar_registered" | "webinar_attended":
            return [*webinars, live_demo]
        case "event_attended":
            return [f"Executive roundtable: {topic}", "RSA Conference booth visit"]
        case "form_fill":
            return [f"Gated download: {title}" for title in downloads]
        case "demo_request":
            return [f"Demo request: {product}"]
        case "trial_signup":
            return [f"Free trial: {product}"]
        case "meeting":
            return [f"Discovery meeting: {topic}", f"Technical deep dive: {product}"]
        case "social_engagement":
            return [f"LinkedIn post: {topic}"]
        case "ad_click":
            return [f"LinkedIn ad: {topic} guide", f"Search ad: {topic} software"]
    return list(_GENERIC_DETAILS[activity_type])


def _write_activities(
    path: Path,
    activities: _Activities,
    accounts: _Accounts,
    contacts: _Contacts,
    file_format: str,
    report: ProgressCallback,
) -> int:
    """Write the activity table in chunks of _ACTIVITY_CHUNK_ROWS and return its row count."""
    total = len(activities)
    orphan_domains = _orphan_domains(_ORPHAN_VALUES)
    orphan_emails = pc.binary_join_element_wise("info", orphan_domains, "@")
    lookups = _ActivityLookups(
        domains=pa.concat_arrays([accounts.domain_variants, orphan_domains]),
        emails=pa.concat_arrays([contacts.emails, orphan_emails]),
        width=max(8, len(str(total))),
    )
    writer: pacsv.CSVWriter | pq.ParquetWriter | None = None
    try:
        for start in range(0, max(total, 1), _ACTIVITY_CHUNK_ROWS):
            stop = min(start + _ACTIVITY_CHUNK_ROWS, total)
            batch = _activity_batch(activities, accounts, contacts, lookups, start, stop)
            batch = batch if file_format == "parquet" else _with_text_timestamps(batch)
            if writer is None:
                writer = (
                    pq.ParquetWriter(path, batch.schema)
                    if file_format == "parquet"
                    else pacsv.CSVWriter(path, batch.schema)
                )
            writer.write_table(batch)
            report("activities", stop, total)
    finally:
        if writer is not None:
            writer.close()
    return total


@dataclass(frozen=True)
class _ActivityLookups:
    # Account domain variants (3 * accounts) followed by the orphan domains.
    domains: pa.Array
    # Contact emails followed by the orphan emails.
    emails: pa.Array
    # Digits in an activity id.
    width: int


def _orphan_domains(count: int) -> pa.Array:
    """Build `count` distinct .net domains, which match no account because none uses .net."""
    words = [f"{head}{tail}".lower() for tail in _STEM_TAILS for head in _STEM_HEADS]
    return _string_array(
        f"{words[index % len(words)]}{index // len(words) or ''}-consulting.net"
        for index in range(count)
    )


def _activity_batch(
    activities: _Activities,
    accounts: _Accounts,
    contacts: _Contacts,
    lookups: _ActivityLookups,
    start: int,
    stop: int,
) -> pa.Table:
    rows = slice(start, stop)
    account, contact = activities.account[rows], activities.contact[rows]
    mode, orphan = activities.mode[rows], activities.orphan[rows]
    orphan_index = activities.orphan_index[rows].astype(np.int64)
    detail = _take(activities.details, activities.detail[rows])

    domain_variant = activities.domain_variant[rows].astype(np.int64)
    variant = np.where(domain_variant == _DOMAIN_URL, 0, domain_variant)
    domain_index = np.where(orphan, 3 * accounts.count + orphan_index, variant * accounts.count)
    domain_index = np.where(orphan, domain_index, domain_index + account)
    domain = _take(lookups.domains, domain_index, mode == _MODE_DOMAIN)
    path = pc.if_else(pc.starts_with(detail, "/"), detail, "/")
    url = pc.binary_join_element_wise("https://www.", domain, path, "")
    as_url = pa.array((domain_variant == _DOMAIN_URL) & ~orphan)
    domain = pc.if_else(as_url, url, domain)

    email_index = np.where(orphan, contacts.count + orphan_index, contact)
    company_variant = activities.company_variant[rows].astype(np.int64)
    topic = activities.topic[rows]
    timestamps = pa.array(activities.timestamp[rows], pa.timestamp("s"))
    columns = {
        "occurred_at": timestamps,
        "type": _take(_string_array(ACTIVITY_TYPES), activities.type[rows]),
        "account_id": _take(accounts.ids, account, mode == _MODE_ACCOUNT_AND_CONTACT),
        "contact_id": _take(contacts.ids, contact, mode <= _MODE_CONTACT),
        "email": _take(lookups.emails, email_index, mode == _MODE_EMAIL),
        "domain": domain,
        "company": _take(
            accounts.name_variants,
            np.maximum(company_variant, 0) * accounts.count + account,
            company_variant >= 0,
        ),
        "channel": _take(_string_array(CHANNELS), activities.channel[rows]),
        "detail": detail,
        "topic": _take(_string_array(PRODUCT_TOPICS), topic, topic != _NO_TOPIC),
        "activity_id": _format_ids("ACT-", np.arange(start + 1, stop + 1), lookups.width),
    }
    return _contract_table("activities", columns)


def _with_text_timestamps(batch: pa.Table) -> pa.Table:
    """Replace occurred_at with YYYY-MM-DDTHH:MM:SS text, the CSV form of the column."""
    position = batch.schema.get_field_index("occurred_at")
    text = pc.replace_substring(
        pc.cast(batch.column(position), pa.string()), " ", "T", max_replacements=1
    )
    return batch.set_column(position, "occurred_at", text)


# --- Intent -------------------------------------------------------------------------------------

_SERIES_NOISE, _SERIES_SURGE, _SERIES_FADED = range(3)


def _make_intent(rng: np.random.Generator, accounts: _Accounts, end_day: int) -> pa.Table:
    """Build weekly intent rows as a third-party feed delivers them.

    Each account covered by the feed has a few topic series. Noise series sit on random topics,
    mostly unrelated ones, at a flat level that sometimes crosses the surge threshold of 60.
    Surge series rise over the last weeks on the account's product topics, more of them and
    higher the higher the propensity. About 10% of accounts had a product-topic surge 6 to 12
    weeks ago that has faded. About half of the accounts arrive with account_id, the rest with
    domain and company only, and about 1% of rows name domains that match no account.
    """
    count = accounts.count
    propensity = accounts.propensity
    covered = rng.random(count) < np.clip(0.5 + 0.08 * np.log10(accounts.employees), 0.0, 0.9)
    orphan_count = max(1, count // 100)

    noise = rng.poisson(1.1, count + orphan_count)
    noise[:count] *= covered
    surges = rng.poisson(2.6 * np.minimum(_buying_intensity(propensity), 1.6)) * covered
    faded = ((rng.random(count) < 0.1) & covered).astype(np.int64)
    series_account = np.concatenate(
        [
            np.repeat(np.arange(count + orphan_count), noise),
            np.repeat(np.arange(count), surges),
            np.repeat(np.arange(count), faded),
        ]
    )
    series_kind = np.repeat(
        np.array([_SERIES_NOISE, _SERIES_SURGE, _SERIES_FADED]),
        [noise.sum(), surges.sum(), faded.sum()],
    )
    series_count = len(series_account)

    interest = np.append(accounts.interest_product, np.zeros(orphan_count, dtype=np.int64))
    product_topic = rng.integers(0, len(PRODUCT_TOPICS), series_count)
    unrelated_topic = len(PRODUCT_TOPICS) + rng.integers(0, len(UNRELATED_TOPICS), series_count)
    interest_topic = _interest_topics(rng, interest[series_account])
    topic = np.where(rng.random(series_count) < 0.78, unrelated_topic, product_topic)
    surge_topic = np.where(rng.random(series_count) < 0.75, interest_topic, product_topic)
    topic = np.where(series_kind == _SERIES_SURGE, surge_topic, topic)
    topic = np.where(series_kind == _SERIES_FADED, product_topic, topic)

    length = np.select(
        [series_kind == _SERIES_NOISE, series_kind == _SERIES_SURGE],
        [rng.integers(1, INTENT_WEEKS + 1, series_count), rng.integers(3, 13, series_count)],
        rng.integers(3, 7, series_count),
    )
    last_week = np.select(
        [series_kind == _SERIES_NOISE, series_kind == _SERIES_SURGE],
        [
            (rng.random(series_count) * (INTENT_WEEKS - length + 1)).astype(int),
            (rng.random(series_count) < 0.15).astype(int),
        ],
        rng.integers(6, 11, series_count),
    )
    series_propensity = np.append(propensity, np.zeros(orphan_count))[series_account]
    start = np.select(
        [series_kind == _SERIES_NOISE, series_kind == _SERIES_SURGE],
        [rng.uniform(20, 72, series_count), rng.uniform(25, 50, series_count)],
        rng.uniform(25, 45, series_count),
    )
    peak = np.select(
        [series_kind == _SERIES_NOISE, series_kind == _SERIES_SURGE],
        [start, 46 + 38 * np.minimum(series_propensity / 0.55, 1.2)],
        rng.uniform(60, 88, series_count),
    ) + rng.normal(0, 6, series_count)

    # One row per series and week; week 0 is the latest.
    row_series = np.repeat(np.arange(series_count), length)
    series_first_row = np.cumsum(length) - length
    step = np.arange(len(row_series)) - series_first_row[row_series]
    kind = series_kind[row_series]
    span = np.maximum(length[row_series] - 1, 1)
    progress = step / span
    shape = np.select(
        [kind == _SERIES_NOISE, kind == _SERIES_SURGE],
        [np.zeros(len(kind)), progress**1.3],
        1 - np.abs(2 * progress - 1),
    )
    noise_sd = np.where(kind == _SERIES_NOISE, 9.0, 4.0)
    score = start[row_series] + (peak[row_series] - start[row_series]) * shape
    score += rng.normal(0, 1, len(kind)) * noise_sd
    score = np.clip(np.rint(score), 0, 100).astype(np.int64)
    weeks_ago = last_week[row_series] + (length[row_series] - 1 - step)
    row_account = series_account[row_series]
    row_topic = topic[row_series]

    # Two series on one topic can overlap, but a feed has one score per account, topic and week.
    frame = pd.DataFrame(
        {"account": row_account, "topic": row_topic, "weeks_ago": weeks_ago, "score": score}
    )
    frame = frame.sort_values(
        ["weeks_ago", "account", "topic", "score"], ascending=[False, True, True, False]
    )
    frame = frame.drop_duplicates(["weeks_ago", "account", "topic"], keep="first")
    return _intent_table(rng, accounts, frame, orphan_count, end_day)


def _intent_table(
    rng: np.random.Generator,
    accounts: _Accounts,
    frame: pd.DataFrame,
    orphan_count: int,
    end_day: int,
) -> pa.Table:
    count = accounts.count
    account = frame["account"].to_numpy()
    topic = frame["topic"].to_numpy()
    latest_monday = end_day - 1 - ((end_day - 1 + _EPOCH_WEEKDAY) % 7)
    matched = np.append(rng.random(count) < 0.5, np.zeros(orphan_count, dtype=bool))[account]
    is_orphan = account >= count
    all_domains = pa.concat_arrays([accounts.domains, _orphan_domains(orphan_count)])
    all_names = pa.concat_arrays([accounts.names, pa.nulls(orphan_count, pa.string())])
    columns = {
        "topic": _take(_string_array(INTENT_TOPICS), topic),
        "score": pa.array(frame["score"].to_numpy(), pa.int64()),
        "week": _dates(latest_monday - 7 * frame["weeks_ago"].to_numpy()),
        "account_id": _take(accounts.ids, np.where(is_orphan, 0, account), matched),
        "domain": _take(all_domains, account, ~matched),
        "company": _take(all_names, account, ~matched),
        "category": _take(_string_array([TOPIC_CATEGORIES[name] for name in INTENT_TOPICS]), topic),
    }
    return _contract_table("intent", columns)


# --- Small helpers ------------------------------------------------------------------------------


def _choose(
    rng: np.random.Generator, weights: Sequence[float] | np.ndarray, size: int
) -> np.ndarray:
    """Draw `size` indices with probability proportional to weights."""
    probabilities = np.asarray(weights, dtype=float)
    return rng.choice(len(probabilities), size=size, p=probabilities / probabilities.sum())


def _string_array(values: Iterable[str]) -> pa.Array:
    return pa.array(list(values), pa.string())


def _take(values: pa.Array, indices: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    """Return values[indices], null wherever present is False."""
    mask = None if present is None else ~np.asarray(present, dtype=bool)
    return values.take(pa.array(np.asarray(indices, dtype=np.int64), mask=mask))


def _format_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Format numbers as ids such as ACC-000123, zero-padded to at least width digits."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _dates(days_since_epoch: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(days_since_epoch, dtype=np.int32), pa.date32())


def _slug(text: str, separator: str = "") -> str:
    """Fold text to lower-case ASCII letters and digits, e.g. "Müller" to "muller"."""
    folded = text.translate(str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "ß": "ss"}))
    folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    words = "".join(char if char.isalnum() else " " for char in folded.lower()).split()
    return separator.join(words)


def _contract_table(name: str, columns: dict[str, pa.Array]) -> pa.Table:
    """Build a table with the contract's columns in the contract's order."""
    ordered = [column for column in TABLES[name].column_names if column in columns]
    return pa.table({column: columns[column] for column in ordered})


def _write_table(table: pa.Table, path: Path, file_format: str) -> None:
    if file_format == "parquet":
        pq.write_table(table, path)
    else:
        pacsv.write_csv(table, path)
