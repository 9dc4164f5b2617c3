"""Pure domain: standard library only. A test enforces it."""
