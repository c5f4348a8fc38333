"""Allow ``python -m cakupan``."""

from .cli import main

main()
