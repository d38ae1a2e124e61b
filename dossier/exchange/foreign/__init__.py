"""Foreign formats mapped onto the Dossier kinds (each registers itself in `formats.READERS`)."""

from dossier.exchange.foreign import roster  # noqa: E402,F401
from dossier.exchange.foreign import everypolitician, timelinejs  # noqa: E402,F401
