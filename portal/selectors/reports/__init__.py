"""Reads for monthly client reports: who a report is about (`subjects`) and its figures
(`figures`), from the day counters only."""
