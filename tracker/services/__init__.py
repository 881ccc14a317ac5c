"""Services: position, ground track, passes, overflights, statistics, batch, missions."""
