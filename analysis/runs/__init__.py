"""The ground floor of analysis: finding and loading runs (`store`), the measured records
that scans keep (`records`), the grid's tables (`aggregate`), and where figures are
written (`output`). It imports nothing else of analysis."""
