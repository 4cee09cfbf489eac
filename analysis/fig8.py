"""Fig. 8: weight gradient histograms per layer at initialization (see analysis.histograms)."""

from .histograms import main

if __name__ == "__main__":
    main(8)
