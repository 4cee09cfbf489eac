"""Fig. 7: back-propagated gradient histograms per layer at init (analysis.histograms)."""

from .histograms import main

if __name__ == "__main__":
    main(7)
