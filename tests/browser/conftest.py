"""Browser tests: Playwright driving Debian's Chromium (never a browser Playwright downloads).

In CI a missing Chromium fails the run; locally these tests are skipped with a clear message.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import IN_CI

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_collection_modifyitems(config, items):  # noqa: ARG001
    if os.path.exists(CHROMIUM):
        return
    message = (
        f"Chromium not found at {CHROMIUM} (install Debian's package: apt-get install chromium)"
    )
    if IN_CI:
        raise pytest.UsageError(message + " — browser tests must run in CI")
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=message))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--disable-gpu",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A small phone: 360 px wide, Spanish (Chile).
    return {**browser_context_args, "locale": "es-CL", "viewport": {"width": 360, "height": 740}}


@pytest.fixture
def site(live_server, demo):
    """The live site with the demo service desk loaded."""
    return live_server


@pytest.fixture
def axe_check():
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page, label: str) -> None:
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        violations = results.response["violations"]
        summary = [
            f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
            for v in violations
        ]
        assert violations == [], f"axe violations on {label}:\n" + "\n".join(summary)

    return check
