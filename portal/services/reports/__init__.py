"""Monthly client reports: charts drawn on the server (`charts`), the PDF (`pdf`), the
agency's settings for each report (`settings`) and sending by e-mail (`sending`)."""
