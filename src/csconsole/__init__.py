"""csconsole: a desktop client-success console that works offline."""

__version__ = "0.1.0"
