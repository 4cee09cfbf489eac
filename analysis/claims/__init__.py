"""What the report judges: every claim, declared once (`index`), and the statistics and
rules that turn measurements into verdicts (`rules`). Scans and figures judge their own
claims with these; it imports only the ground floor."""
