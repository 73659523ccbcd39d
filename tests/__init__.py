"""csconsole's tests, laid out as src/csconsole/ is (a package, so `pytest` imports them by name)."""
