"""The lock files install what pyproject.toml asks for: every declared dependency is pinned, at a
version its range admits (bin/lock regenerates them)."""

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parents[1]


def pinned(lock: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / lock).read_text().splitlines():
        requirement = line.split("#", 1)[0].strip()
        if "==" in requirement:
            name, version = requirement.split("==", 1)
            pins[canonicalize_name(name)] = version.strip()
    return pins


@pytest.mark.parametrize(
    ("lock", "groups"),
    [("requirements.lock", ["main"]), ("requirements-dev.lock", ["main", "dev"])],
)
def test_every_declared_dependency_is_locked_within_its_range(lock, groups):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"])
    if "dev" in groups:
        declared += project["optional-dependencies"]["dev"]
    pins = pinned(lock)
    problems = []
    for text in declared:
        requirement = Requirement(text)
        version = pins.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name} is not in {lock}")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}=={version} is outside {requirement.specifier}")
    assert problems == [], "run bin/lock: " + "; ".join(problems)
