"""``her2var workflow init DIR``: a Snakemake workflow that classifies a samples sheet in shard jobs
and merges them (``classify --shard``, ``merge``), with profiles for this machine, SLURM and Kubernetes.

The files are templates shipped inside the package (``templates/``), so an installed her2var writes
the workflow of its own version; only the samples sheet, the shard count and the her2var to install
under ``snakemake --sdm conda`` are filled in. Snakemake itself is not a dependency of her2var: it is
needed where the workflow runs (the ``workflow`` extra).
"""

from __future__ import annotations

import json
import os
from importlib import metadata, resources

from .. import __version__
from ..errors import InputError, shown
from ..files import atomic_write

# Every file written, relative to the workflow folder (templates/ holds them under the same names).
FILES = (
    "Snakefile",
    "config.yaml",
    "config.schema.yaml",
    "envs/her2var.yaml",
    "profiles/local/config.yaml",
    "profiles/slurm/config.yaml",
    "profiles/kubernetes/config.yaml",
)
DEFAULT_SHARDS = 4


def template(name: str) -> str:
    """The text of one shipped template (``name`` as in FILES)."""
    node = resources.files(__name__).joinpath("templates")
    for part in name.split("/"):
        node = node.joinpath(part)
    return node.read_text(encoding="utf-8")


def her2var_requirement() -> str:
    """How pip names the her2var this is: the folder, archive or repository it was installed from
    (PEP 610's direct_url.json), else its version."""
    try:
        dist = metadata.distribution("her2var")
        direct = json.loads(dist.read_text("direct_url.json") or "{}")
    except (metadata.PackageNotFoundError, ValueError):
        direct = {}
    url = direct.get("url") if isinstance(direct, dict) else None
    if isinstance(url, str) and url:
        vcs = direct.get("vcs_info")
        if isinstance(vcs, dict) and vcs.get("vcs") and vcs.get("commit_id"):
            return f"her2var @ {vcs['vcs']}+{url}@{vcs['commit_id']}"
        return f"her2var @ {url}"
    return f"her2var=={__version__}"


def init_workflow(folder: str, *, samples: str | None = None, shards: int = DEFAULT_SHARDS,
                  force: bool = False) -> list[str]:
    """Write the workflow's files into ``folder`` (created when missing) and return their paths.

    Existing workflow files are replaced only with ``force`` (InputError naming them otherwise);
    other files in the folder are left alone. Each file is written atomically.
    """
    if shards < 1:
        raise InputError(f"--shards {shards}: must be at least 1")
    if samples is not None and not os.path.isfile(samples):
        raise InputError(f"{shown(samples, 200, bare=True)}: no such samples sheet (--samples)")
    targets = [os.path.join(folder, *name.split("/")) for name in FILES]
    present = [t for t in targets if os.path.lexists(t)]
    if present and not force:
        raise InputError(f"{shown(present[0], 200, bare=True)} exists ({len(present)} of the workflow's files do): "
                         "give --force to replace them, or another folder")
    values = {
        "__SAMPLES__": json.dumps(os.path.abspath(samples) if samples else "samples.tsv"),
        "__SHARDS__": str(shards),
        "__HER2VAR__": json.dumps(her2var_requirement()),
    }
    for name, path in zip(FILES, targets, strict=True):
        text = template(name)
        for key, value in values.items():
            text = text.replace(key, value)
        with atomic_write(path) as fh:
            fh.write(text)
    return targets
