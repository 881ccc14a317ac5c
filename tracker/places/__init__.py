"""Places: the offline gazetteer (names -> coordinates and time zones)."""
