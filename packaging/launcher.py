"""The frozen executable's entry point (PyInstaller runs this file as __main__): the same `main` as the
`dossier` console script and `python -m dossier`."""

import sys

from dossier.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
