import sys

from codepal.cli.main import main

sys.exit(main())
