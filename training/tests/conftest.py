import sys
from pathlib import Path

# Tests import the package straight from training/, like train.py does.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
