"""The official Azure Data Explorer Python client (azure-kusto-data, PyPI) against Orca's loopback
Kusto fake: proves the fake speaks the real v2 REST format (request body, bearer token, declared
query parameters, frame array, typed columns, error bodies).

The expected answers are computed here from the fixture's CSV files, independently of Orca.

Usage (tests/kusto/run.sh does all of it):
    python kusto_python.py --url http://127.0.0.1:PORT --token TOKEN --database Fixture --data-dir DIR
"""

import argparse
import collections
import csv
import datetime
import os
import sys

from azure.kusto.data import ClientRequestProperties, KustoClient, KustoConnectionStringBuilder
from azure.kusto.data.exceptions import KustoServiceError


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--data-dir", required=True)
    args = parser.parse_args()

    with open(os.path.join(args.data_dir, "registry.csv"), newline="", encoding="utf-8-sig") as f:
        registry = list(csv.DictReader(f))
    ford = next(r["Tenant ID"].strip().lower() for r in registry if r["Customer Name"] == "Ford Motor Company")
    with open(os.path.join(args.data_dir, "cases.csv"), newline="", encoding="utf-8-sig") as f:
        cases = [r for r in csv.DictReader(f) if r["TenantId"].strip().lower() == ford]
    if not cases:
        fail("the fixture has no case of Ford")
    expected = collections.Counter(r["Status"] for r in cases)

    client = KustoClient(KustoConnectionStringBuilder.with_token_provider(args.url, lambda: args.token))

    # 1. A parameterized count per status: the value travels in properties.Parameters.
    properties = ClientRequestProperties()
    properties.set_parameter("tenant", ford)
    response = client.execute_query(
        args.database,
        "declare query_parameters(tenant:string);\n"
        "cases | where TenantId == tenant | summarize n = count() by Status | order by Status asc",
        properties,
    )
    table = response.primary_results[0]
    if [c.column_name for c in table.columns] != ["Status", "n"]:
        fail(f"columns {table.columns}")
    got = {row["Status"]: row["n"] for row in table}
    if got != dict(expected):
        fail(f"counts per status: expected {dict(expected)}, got {got}")
    if list(got) != sorted(got):
        fail(f"order by Status asc: got {list(got)}")

    # 2. Typed columns: datetimes come back as datetime objects, longs as ints.
    properties = ClientRequestProperties()
    properties.set_parameter("tenant", ford)
    properties.set_parameter("since", "datetime(2000-01-01)")
    response = client.execute_query(
        args.database,
        "declare query_parameters(tenant:string, since:datetime);\n"
        "cases | where TenantId == tenant and CreatedAt >= since"
        " | summarize newest = max(CreatedAt), total = count()",
        properties,
    )
    row = response.primary_results[0][0]
    newest = max(
        datetime.datetime.fromisoformat(r["CreatedAt"].replace("Z", "+00:00")) for r in cases
    )
    if not isinstance(row["newest"], datetime.datetime) or row["newest"] != newest:
        fail(f"newest CreatedAt: expected {newest!r}, got {row['newest']!r}")
    if row["total"] != len(cases):
        fail(f"total: expected {len(cases)}, got {row['total']!r}")

    # 3. KQL the table cannot answer is a service error naming the problem.
    try:
        client.execute_query(args.database, "cases | where NoSuchColumn == 1")
        fail("an unknown column was answered")
    except KustoServiceError as e:
        if "NoSuchColumn" not in str(e):
            fail(f"the error does not name the column: {e}")

    # 4. A wrong token is refused.
    stranger = KustoClient(KustoConnectionStringBuilder.with_token_provider(args.url, lambda: "wrong"))
    try:
        stranger.execute_query(args.database, "cases | count")
        fail("a wrong token was accepted")
    except KustoServiceError as e:
        if "401" not in str(e) and "Unauthorized" not in str(e):
            fail(f"a wrong token: unexpected error {e}")

    print(f"ok: azure-kusto-data read {sum(got.values())} Ford cases in {len(got)} statuses from the fake, as the CSV counts them")


if __name__ == "__main__":
    main()
