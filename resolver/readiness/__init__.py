"""Readiness of a passport for a market (EU, CN, GBA): per data point, present and valid, missing
and mandatory on a date, mandatory later (with its date), or present but failing."""
