"""ss-tui: import Session Studio songs into Jovie's discography database."""

__version__ = "0.1.0"
