"""cakupan.assign."""
