"""cakupan.measure."""
