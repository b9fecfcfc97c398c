"""mallcore.pricing (being built)."""

__all__: list[str] = []
