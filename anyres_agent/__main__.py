"""`python -m anyres_agent` is the `agent` command."""

import sys

from anyres_agent.agent.cli import main

sys.exit(main())
