"""From stored runs to figures and verdicts, in floors that import only downward:
runs (find, load, write) <- claims (declarations, rules) <- scans (at init) <- figures <- report."""
