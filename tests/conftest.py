"""Shared test helpers."""
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def shared_spec(name: str) -> Path:
    """A file of the project's shared spec (../shared/spec beside the repository, as CI lays it).

    $DOSSIER_SHARED points elsewhere; a clone in a scratch folder falls back to /work/shared.
    """
    candidates = [Path(os.environ["DOSSIER_SHARED"])] if os.environ.get("DOSSIER_SHARED") else []
    candidates += [REPO.parent / "shared", Path("/work/shared")]
    for root in candidates:
        if (root / "spec" / name).is_file():
            return root / "spec" / name
    raise FileNotFoundError(f"spec/{name} not found in {', '.join(map(str, candidates))}")
