"""cakupan.render."""
