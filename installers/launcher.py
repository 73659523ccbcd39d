"""Entry point of the bundled application: the same ``main`` as the ``csconsole`` command."""

import sys

from csconsole.cli import main

if __name__ == "__main__":
    sys.exit(main())
