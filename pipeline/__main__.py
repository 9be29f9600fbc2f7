import sys

from pipeline.cli import main

# Guarded: worker processes (spawn) import the main module again and must not rerun the CLI.
if __name__ == "__main__":
    sys.exit(main())
