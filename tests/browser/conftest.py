"""Browser tests: Playwright driving Debian's Chromium (never a browser Playwright downloads).

In CI a missing Chromium fails the run; locally these tests are skipped with a clear message.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.support import IN_CI

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


# Every page records what the Content Security Policy blocked (before any of its own code runs).
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


class CspWatchedBrowser:
    """The browser, but every context it opens reports CSP violations (page events and the
    console's "Refused to ... Content Security Policy" errors) into ``violations``."""

    def __init__(self, browser, violations: list[str]) -> None:
        self._browser = browser
        self.violations = violations

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        context.add_init_script(CSP_LISTENER)
        context.on("console", self._console)
        return context

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.violations.append(message.text)

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture
def browser(browser):
    """Every browser test fails if the CSP blocked anything: a page the policy breaks would
    otherwise only look broken to people (a button that does nothing, a style that is gone)."""
    violations: list[str] = []
    yield CspWatchedBrowser(browser, violations)
    assert violations == [], "Content Security Policy violations:\n" + "\n".join(violations)


def assert_no_csp_violations(page, label: str) -> None:
    blocked = page.evaluate("window.__cspViolations || null")
    assert blocked is not None, f"{label}: the CSP listener is not installed"
    assert blocked == [], f"CSP violations on {label}: {blocked}"


@pytest.fixture
def axe_check(browser):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page, label: str) -> None:
        assert_no_csp_violations(page, label)
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        violations = results.response["violations"]
        summary = [
            f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
            for v in violations
        ]
        assert violations == [], f"axe violations on {label}:\n" + "\n".join(summary)
        console = [text for text in browser.violations if "Content Security Policy" in text]
        assert console == [], f"CSP errors in the console on {label}: {console}"

    return check
