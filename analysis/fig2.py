"""fig2 from the stored training-dynamics runs (see analysis.dynamics)."""

from .dynamics import main

if __name__ == "__main__":
    main("fig2")
