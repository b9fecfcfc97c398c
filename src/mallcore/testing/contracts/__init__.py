"""mallcore.testing.contracts (being built)."""

__all__: list[str] = []
