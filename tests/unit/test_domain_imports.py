"""The pure core stays pure: importing ``credgate.domain`` loads only the standard library."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import json, pkgutil, sys
before = set(sys.modules)
import credgate.domain
names = [m.name for m in pkgutil.walk_packages(credgate.domain.__path__, "credgate.domain.")]
for name in names:
    __import__(name)
loaded = sorted(set(sys.modules) - before)
print(json.dumps({"imported": names, "loaded": loaded}))
"""

ALLOWED_OWN = ("credgate.domain", "credgate.errors")


def _foreign(name: str) -> bool:
    if name == "credgate" or name == "__main__":
        return False
    if any(name == own or name.startswith(own + ".") for own in ALLOWED_OWN):
        return False
    top = name.split(".")[0]
    return top not in sys.stdlib_module_names and top not in sys.builtin_module_names


def test_domain_imports_only_the_standard_library() -> None:
    """A domain module pulling in a third-party or adapter module would break the pure core."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=120
    )
    report = json.loads(done.stdout)
    assert "credgate.domain.policy.acl" in report["imported"]
    assert "credgate.domain.policy.acl" in report["loaded"]
    foreign = [name for name in report["loaded"] if _foreign(name)]
    assert foreign == [], f"credgate.domain loaded non-stdlib modules: {foreign}"
