"""cakupan.scale."""
