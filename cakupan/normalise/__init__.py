"""cakupan.normalise."""
