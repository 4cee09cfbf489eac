"""Experiments at initialization that need no training run: the depth scan, isometry, the
random walk, the conv fan-in scan, the order-to-chaos map, Fig. 5's cost surfaces, and the
SVM baseline. Each measures into a committed record and redraws from it
(`analysis.runs.records`)."""
