"""The old home of the records' writes, kept so that `registers.record_services` still imports:
see registers/services/."""

from registers.services import *  # noqa: F403
from registers.services import __all__  # noqa: F401
