"""The old home of the importers, kept so that `registers.importers` still imports: see
registers/imports/.
"""

from registers.imports import *  # noqa: F403
from registers.imports import __all__  # noqa: F401
