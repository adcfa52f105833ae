"""Shared machinery: the plug-in registry and the external-program wrapper."""
import pytest

from core.errors import ExternalProgramError, ExternalTimeoutError, MissingDependencyError, RegistryError
from core.registry import Registry
from core.run import run_program


def test_registry_refuses_duplicates_and_lists_what_exists():
    reg = Registry("thing")
    reg.register("a", version="1")(object())
    newer = reg.register("a", version="2")(object())
    with pytest.raises(RegistryError):
        reg.register("a", version="1")(object())
    assert reg.get("a") is newer
    with pytest.raises(RegistryError, match="a@1, a@2"):
        reg.get("b")
    with pytest.raises(RegistryError):
        reg.get("a@3")


def test_run_program_typed_errors():
    assert run_program(["true"], timeout=5).returncode == 0
    with pytest.raises(ExternalTimeoutError):
        run_program(["sleep", "5"], timeout=0.2)
    with pytest.raises(ExternalProgramError, match="exited with 3"):
        run_program(["sh", "-c", "echo boom >&2; exit 3"], timeout=5)
    with pytest.raises(MissingDependencyError):
        run_program(["no-such-program-here"], timeout=5)
