"""End-to-end test of Orca's MCP server with an independent client: the official Python SDK.

Run by .ci/run inside a virtual environment that has `mcp` installed:

    python crates/orca/tests/mcp_e2e.py --orca target/debug/orca

1. stdio: starts `orca mcp` (on a fresh temporary data directory, fixed `--now`), lists the
   tools, calls `ask` and checks the structured report (the SDK also validates it against the
   tool's output schema), then checks that an empty request is an `isError` result.
2. streamable HTTP: starts `orca serve` on a free loopback port with a tokens file holding one
   token scoped to Ford's tenant, connects to `/mcp` with that bearer token, calls `ask`, checks
   that Toyota (another tenant) is refused, and that a foreign Origin gets 403.

Exits non-zero with a clear message on the first failure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

NOW = "2026-11-24T12:00:00Z"
TOOLS = ["ask", "plan", "resolve_customer", "stats"]
PASSED: list[str] = []


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def text_of(result) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


def check_tools(tools) -> None:
    names = [t.name for t in tools.tools]
    check(names == TOOLS, f"tools/list names: {names}")
    for tool in tools.tools:
        check(tool.output_schema is not None, f"{tool.name} has an output schema")
        check(tool.annotations is not None and tool.annotations.read_only_hint is True,
              f"{tool.name} is annotated read-only")
        check(len(tool.description or "") > 200, f"{tool.name} has a description for a model")


def check_report(result, *, customer: str) -> dict:
    check(not result.is_error, f"ask failed: {text_of(result)}")
    report = result.structured_content
    check(isinstance(report, dict), "ask returns structured content")
    for field in ["request", "plan", "answer", "sections", "partial", "errors", "timings", "cache"]:
        check(field in report, f"the report has `{field}`")
    check(customer in report["answer"], f"the answer names {customer}: {report['answer']}")
    check(report["partial"] is False, f"a complete answer: {report['errors']}")
    check(len(report["sections"]) == 2, f"two sections: {len(report['sections'])}")
    for section in report["sections"]:
        check(section["status"] == "ok", f"section ok: {section}")
        check(section["customer"]["name"] == customer, f"section customer: {section['customer']}")
        check("total" in section["summary"], f"section summary has total: {section['summary']}")
    timings = report["timings"]
    for key in ["total_ms", "analysis_us", "sequential_ms", "speedup"]:
        check(isinstance(timings.get(key), (int, float)), f"timings.{key}: {timings}")
    check(report["plan"]["time_range"]["label"] == "last 30 days", "the plan kept the time range")
    check(text_of(result).startswith(report["answer"].splitlines()[0]), "the text starts with the answer")
    return report


async def stdio_part(orca: str, data: Path) -> None:
    params = StdioServerParameters(
        command=orca,
        args=["--data", str(data / "store"), "--now", NOW, "mcp"],
        env={"ORCA_LOG": "warn"},
    )
    progress: list[float] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append(value)

    async with Client(params, mode="legacy") as client:
        check_tools(await client.list_tools())
        result = await client.call_tool(
            "ask", {"request": "Show cases and ICMs for Ford in the last 30 days"},
            progress_callback=on_progress,
        )
        check_report(result, customer="Ford Motor Company")
        check(progress == [1.0, 2.0], f"one progress notification per section: {progress}")

        empty = await client.call_tool("ask", {"request": "   "})
        check(empty.is_error is True, "an empty request is an isError result")
        check("empty" in text_of(empty), f"it says why: {text_of(empty)}")

        unknown = await client.call_tool("resolve_customer", {"name": "Zzyzx Qqq"})
        check(unknown.is_error is True, "an unknown customer is an isError result")

        stats = await client.call_tool("stats", {})
        check(stats.structured_content["asks"]["served"] == 1, f"stats: {stats.structured_content}")
    PASSED.append("stdio: tools/list, ask (report, progress), empty request isError, stats")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd: list[str]) -> str:
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    check(out.returncode == 0, f"{' '.join(cmd)} failed: {out.stderr}")
    return out.stdout


def wait_until_listening(port: int, server: subprocess.Popen, deadline_s: float = 30.0) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if server.poll() is not None:
            raise AssertionError(f"orca serve exited early with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"orca serve did not listen on port {port} within {deadline_s} s")


def post_with_origin(url: str, token: str, origin: str) -> int:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Authorization": f"Bearer {token}",
        "Origin": origin,
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
    })
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


async def http_part(orca: str, data: Path) -> None:
    common = ["--data", str(data / "store"), "--now", NOW]
    tokens = data / "tokens.toml"
    ford = json.loads(run([orca, *common, "customers", "Ford", "--format", "json"]))["candidates"][0]
    add = run([orca, *common, "token", "add", "e2e-ford", "--tenants", ford["tenant_id"],
               "--tokens", str(tokens)])
    token = add.strip()
    check(token.startswith("orca_"), f"`orca token add` printed a token: {add!r}")
    port = free_port()
    server = subprocess.Popen(
        [orca, *common, "serve", "--addr", f"127.0.0.1:{port}", "--tokens", str(tokens)],
        stdout=subprocess.DEVNULL, stderr=sys.stderr,
    )
    try:
        wait_until_listening(port, server)
        url = f"http://127.0.0.1:{port}/mcp"
        headers = {"Authorization": f"Bearer {token}"}
        async with create_mcp_http_client(headers=headers) as http:
            async with Client(streamable_http_client(url, http_client=http)) as client:
                check_tools(await client.list_tools())
                result = await client.call_tool(
                    "ask", {"request": "Show cases and ICMs for Ford in the last 30 days", "now": NOW})
                check_report(result, customer="Ford Motor Company")
                other = await client.call_tool("ask", {"request": "cases for Toyota"})
                check(other.is_error is True, f"a Ford token cannot read Toyota: {text_of(other)}")
                found = await client.call_tool("resolve_customer", {"name": "Toyota"})
                check(found.is_error is True, f"nor resolve Toyota's tenant: {text_of(found)}")
        check(post_with_origin(url, token, "https://evil.example") == 403,
              "a foreign Origin is refused with 403")
        check(post_with_origin(url, token, f"http://localhost:{port}") != 403,
              "a loopback Origin is accepted")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    PASSED.append("streamable HTTP: tools/list, ask with a tenant-scoped token, other tenant refused, Origin 403")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orca", required=True, help="path to the built orca binary")
    args = parser.parse_args()
    orca = os.path.abspath(args.orca)
    with tempfile.TemporaryDirectory(prefix="orca-mcp-e2e-") as tmp:
        data = Path(tmp)
        # A chosen --data directory never gets demo data by itself: generate it first.
        subprocess.run([orca, "--data", str(data / "store"), "--now", NOW, "data", "generate"],
                       check=True, capture_output=True)
        await stdio_part(orca, data)
        await http_part(orca, data)
    for line in PASSED:
        print(f"ok: {line}")
    print(f"{len(PASSED)} passed, 0 failed")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except AssertionError as e:
        print(f"FAILED: {e}", file=sys.stderr)
        print(f"{len(PASSED)} passed, 1 failed")
        sys.exit(1)
