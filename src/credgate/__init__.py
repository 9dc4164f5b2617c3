"""credgate: a credential broker for AI agents."""

__version__ = "0.1.0.dev0"
__all__ = ["__version__"]
