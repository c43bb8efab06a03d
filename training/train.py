#!/usr/bin/env python3
"""Train the cae-stream CAE and export it to ONNX. Usage: see README.md or --help."""
import os
import sys

# Runnable from any working directory without installing the package.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cae_training.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
