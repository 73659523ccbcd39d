import sys

from csconsole.cli import main

sys.exit(main())
