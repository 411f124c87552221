import sys

from crmcli.cli import main

sys.exit(main())
