"""Beyond the paper, in training: figure from the stored dynamics runs (see analysis.dynamics)."""

from .dynamics import main

if __name__ == "__main__":
    main("beyond")
