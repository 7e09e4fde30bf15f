from __future__ import annotations

from pathlib import Path

from nextbest.scoring.config import load_config
from nextbest.scoring.runs import score_folder
from tests.conftest import AS_OF, write_files


def test_salesforce_report_exports(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path,
        {
            "Accounts_report.csv": "Account ID,Account Name,Website,Industry,Employees,"
            "Annual Revenue,Billing Country,Account Owner,Type\n"
            '001A,Acme Inc.,www.acme.com,Banking,800,"$120,000,000",USA,Ann Lee,Customer - Direct\n'
            "001B,Beta LLC,beta.io,Retail,20,,Canada,Bo Chan,Prospect\n",
            "Contacts_report.csv": "Contact ID,Account ID,First Name,Last Name,Title,Email,"
            "Lead Source,Created Date\n"
            "003A,001A,Jane,Doe,VP of Information Security,jane@acme.com,Web,3/14/2026\n",
            "Opportunities.csv": "Opportunity ID,Account ID,Stage,Amount,Close Date,Created Date\n"
            '006A,001A,Closed Won,"$45,000.00",2/1/2026,11/3/2025\n'
            "006B,001A,Negotiation/Review,80000,1/15/2027,10/2/2026\n",
        },
    )
    run = score_folder(folder, load_config(), AS_OF)

    assert run.report.tables["accounts"].files == ["Accounts_report.csv"]
    assert run.report.tables["contacts"].files == ["Contacts_report.csv"]
    assert run.report.tables["opportunities"].files == ["Opportunities.csv"]
    acme = run.accounts.set_index("account_id").loc["001A"]
    assert "Existing customer" in acme["signals"]
    assert "1 won deal, latest closed 2026-02-01" in acme["signals"]
    assert "1 open opportunity worth $80,000" in acme["signals"]
    assert "Best persona among contacts: security leader" in acme["signals"]
    assert "Annual revenue $120,000,000" in acme["signals"]


def test_salesforce_api_exports(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path,
        {
            "Account.csv": "Id,Name,Website,Industry,NumberOfEmployees,AnnualRevenue,"
            "BillingCountry\n"
            "001A,Acme Inc.,acme.com,Banking,800,120000000,US\n",
            "Opportunity.csv": "Id,AccountId,StageName,CloseDate,CreatedDate,Amount,IsWon\n"
            "006A,001A,Closed Lost,2026-11-01,2026-06-01T10:00:00.000Z,100,false\n",
        },
    )
    run = score_folder(folder, load_config(), AS_OF)
    assert "Lost a deal 30 days ago" in run.accounts.iloc[0]["signals"]


def test_hubspot_exports(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path,
        {
            "hubspot-crm-exports-companies.csv": "Record ID,Company name,Company Domain Name,"
            "Industry,Number of Employees,Annual Revenue,Country/Region,Lifecycle Stage\n"
            "9001,Acme,acme.com,COMPUTER_SOFTWARE,500,50000000,United States,customer\n",
            "hubspot-crm-exports-contacts.csv": "Record ID,First Name,Last Name,Email,Job Title,"
            "Create Date,Original Source\n"
            "51,Jane,Doe,jane@acme.com,CISO,2026-03-01 10:22,Organic Search\n",
            "hubspot-crm-exports-deals.csv": "Record ID,Deal Name,Deal Stage,Amount,Close Date,"
            "Create Date,Associated Company ID\n"
            "77,Acme renewal,Appointment Scheduled,12000,,2026-10-01,9001\n",
        },
    )
    run = score_folder(folder, load_config(), AS_OF)
    contacts = run.report.tables["contacts"]
    assert dict(contacts.matched_by) == {"email domain": 1}
    acme = run.accounts.iloc[0]
    assert "Existing customer" in acme["signals"]
    assert "1 open opportunity worth $12,000" in acme["signals"]
    assert acme["top_lead_name"] == "Jane Doe"
