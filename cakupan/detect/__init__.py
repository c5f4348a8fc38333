"""cakupan.detect."""
