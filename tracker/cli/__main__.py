"""`python -m tracker.cli` runs the iss-tracker command."""
import sys

from tracker.cli import main

sys.exit(main())
