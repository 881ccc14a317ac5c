"""Output formats: iCalendar, plots, progress bars."""
