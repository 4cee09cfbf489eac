"""The paper's figures and the suite's own, drawn from stored runs: `python -m
analysis.figures <name>` (the registry is `__main__.FIGURES`). A page drawn for one run
(`run_page`) sits here too, as it shares the figures' code."""
