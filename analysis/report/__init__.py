"""results/REPORT.md and the tables it links (Table 1, the learning-rate search): every
verdict rendered from the runs, scans and figures below it. `python -m analysis.report`."""
