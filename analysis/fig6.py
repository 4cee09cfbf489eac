"""Fig. 6: activation histograms per layer at initialization (see analysis.histograms)."""

from .histograms import main

if __name__ == "__main__":
    main(6)
