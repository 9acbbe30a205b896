"""The wheel's one custom build step: compile every gettext catalogue into the built package.

The .mo files are not in git (they are built), and the shared catalogue `locale/` is not a
package, so a plain `pip install .` of a clean clone used to lose a third of the Chinese interface.
Here each app's .po is compiled beside its copy in the build tree, and the shared catalogue goes
into the sanlian package as `sanlian/project_locale/` (settings.LOCALE_PATHS finds it there).
"""

from pathlib import Path

import polib
from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithCatalogues(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout, whose catalogues `make` compiles
        build = Path(self.build_lib)
        for po in sorted(ROOT.glob("*/locale/*/LC_MESSAGES/*.po")):
            target = build / po.relative_to(ROOT)
            if target.parent.is_dir():  # only the apps the wheel packages
                polib.pofile(str(po)).save_as_mofile(str(target.with_suffix(".mo")))
        for po in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
            target = build / "sanlian" / "project_locale" / po.relative_to(ROOT / "locale")
            target.parent.mkdir(parents=True, exist_ok=True)
            self.copy_file(str(po), str(target))
            polib.pofile(str(po)).save_as_mofile(str(target.with_suffix(".mo")))


setup(cmdclass={"build_py": BuildWithCatalogues})
