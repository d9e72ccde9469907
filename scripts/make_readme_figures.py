"""Write the two figures the README shows (docs/img/km.png, docs/img/forest.png) from a fresh run of
`her2var demo` (seeded, SYNTHETIC data): progression-free survival by first-line regimen and the
multivariable Cox model of progression-free survival, drawn with the built-in plan's style at a
screen resolution so that the files stay small. Re-run after changing the figures.

    python scripts/make_readme_figures.py [OUT_DIR]   (default: docs/img)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from her2var.analysis.compute import compute  # noqa: E402
from her2var.analysis.data import prepare, read_cohort  # noqa: E402
from her2var.analysis.draw import draw_figures  # noqa: E402
from her2var.analysis.plan import load_plan  # noqa: E402
from her2var.demo.run import run_demo  # noqa: E402
from her2var.rules.load import load_rules  # noqa: E402

DPI = 110  # 183 mm wide: about 790 pixels
WANTED = {"km_pfs_regimen.png": "km.png", "forest_pfs_multivariable.png": "forest.png"}


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="her2var-readme-") as tmp:
        run = run_demo(str(Path(tmp) / "demo"), load_rules())
        plan = load_plan("first-line-regimens").with_figure_style({"dpi": (DPI, "readme"),
                                                                    "formats": (("png",), "readme")})
        prep = prepare(read_cohort(run.cohort_tsv), plan)
        folder = Path(tmp) / "figures"
        folder.mkdir()
        drawn = {f["png"] for f in draw_figures(plan, prep, compute(plan, prep), str(folder), synthetic=True)}
        missing = sorted(set(WANTED) - drawn)
        if missing:
            sys.exit(f"the demo drew no {', '.join(missing)}")
        for png, name in WANTED.items():
            shutil.copyfile(folder / png, out / name)
            print(f"wrote {out / name} ({(out / name).stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img")
