"""cakupan: did a door-to-door registration leave anyone uncounted, and where?"""

__version__ = "0.1.0"
