"""Allow ``python -m cakupan``."""

from cakupan.cli import main

main()
